import SQLite from 'better-sqlite3'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiError, VfxChatClient } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { openSse, openWs, pause } from '../features/streams/clients.js'
import { serversOnFreshFolder } from '../helpers/child-server.js'

const SENDERS = 6
const KILLS = 3
const DRAIN_LIMIT_MS = 10_000

const data = serversOnFreshFolder('vfx-chat-crash-')
const start = () => data.start()

async function signIn(url: string): Promise<VfxChatClient & { address: string }> {
  const client = new VfxChatClient(url)
  const session = await client.signIn(VfxSigner.generate())
  return Object.assign(client, { address: session.address })
}

interface Acknowledged {
  id: number
  clientId: string
  status: number
}

describe('SIGKILL at random moments', () => {
  it('keeps every acknowledged message exactly once, in send order, in an intact database', async () => {
    let server = await start()
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => signIn(server.url)))
    const { thread } = await senders[0]!.createThread({ participants: senders.map((s) => s.address) })

    const acknowledged: Acknowledged[] = []
    let stopping = false
    // Each sender sends in order and retries a failed send with the same client_id until it
    // gets an answer, as a client that lost its connection would.
    const loops = senders.map(async (sender, index) => {
      for (let seq = 0; !stopping; seq++) {
        const clientId = `${index}-${seq}`
        for (;;) {
          try {
            const client = new VfxChatClient(server.url, sender.token)
            const { status, body } = await client.exchange<{ id: number }>('POST', `/api/chat/${thread.uuid}/message/`, {
              body: { content: `message ${clientId}`, client_id: clientId },
            })
            acknowledged.push({ id: body.id, clientId, status })
            break
          } catch (error) {
            if (error instanceof ApiError && error.status !== 503) throw error
            await pause(20)
          }
        }
      }
    })

    const pauses: number[] = []
    for (let kill = 0; kill < KILLS; kill++) {
      const wait = 300 + Math.floor(Math.random() * 900)
      pauses.push(wait)
      await pause(wait)
      server.child.kill('SIGKILL')
      await server.exited
      server = await start()
    }
    await pause(300)
    stopping = true
    await Promise.all(loops)

    // The final process lists every message in increasing id order.
    const listed = await new VfxChatClient(server.url, senders[0]!.token).listMessages(thread.uuid, { after: 0, limit: 500 })
    server.child.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })

    const db = new SQLite(join(data.folder, 'chat.db'), { readonly: true })
    const integrity = db.pragma('integrity_check', { simple: true })
    const rows = db.prepare('select id, client_id from messages order by id').all() as { id: number; client_id: string }[]
    db.close()

    const context = `pauses before each SIGKILL: ${pauses.join(', ')} ms`
    expect(integrity, context).toBe('ok')
    expect(acknowledged.filter((a) => a.status === 201).length, context).toBeGreaterThan(SENDERS * KILLS)
    const byId = new Map(rows.map((row) => [row.id, row.client_id]))
    for (const { id, clientId } of acknowledged) expect(byId.get(id), `${clientId}, ${context}`).toBe(clientId)
    // No send was stored twice, whatever the retries.
    expect(new Set(rows.map((row) => row.client_id)).size, context).toBe(rows.length)
    // Ids increase in each sender's send order, across every restart.
    for (let index = 0; index < SENDERS; index++) {
      const sequence = rows.filter((row) => row.client_id.startsWith(`${index}-`)).map((row) => Number(row.client_id.split('-')[1]))
      expect(sequence, context).toEqual([...sequence].sort((a, b) => a - b))
    }
    const ids = listed.results.map((message) => message.id)
    expect(ids, context).toEqual(rows.slice(0, ids.length).map((row) => row.id))
  }, 120_000)
})

describe('SIGTERM', () => {
  it('lets a request in flight finish, ends streams with a reconnect hint, refuses new connections and exits 0 within 10 s', async () => {
    const server = await start()
    const sender = await signIn(server.url)
    const other = VfxSigner.generate()
    const { thread } = await sender.createThread({ participants: [sender.address, other.address] })
    // Neither an idle keep-alive connection nor open streams may hold the shutdown up.
    await fetch(`${server.url}/healthz`, { keepalive: true })
    const sse = await openSse(server.url, { token: sender.token! })
    const ws = await openWs(server.url, { token: sender.token! })

    const body = JSON.stringify({ content: 'sent across a shutdown', client_id: 'drain-1' })
    const half = Math.floor(body.length / 2)
    const { port } = new URL(server.url)
    // A keep-alive client that never lets its connection go on its own.
    const agent = new Agent({ keepAlive: true })
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const call = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/chat/${thread.uuid}/message/`,
          headers: {
            authorization: `Bearer ${sender.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = ''
          response.on('data', (chunk) => (text += chunk))
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
        },
      )
      call.on('error', reject)
      call.write(body.slice(0, half))
      setTimeout(() => {
        const signalledAt = Date.now()
        server.child.kill('SIGTERM')
        void server.exited.then(() => (stoppedAfterMs = Date.now() - signalledAt))
        setTimeout(() => call.end(body.slice(half)), 300)
      }, 200)
    })
    let stoppedAfterMs = Infinity

    const { status, text } = await answer
    expect(status).toBe(201)
    expect(JSON.parse(text)).toMatchObject({ content: 'sent across a shutdown', sender: sender.address })
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(stoppedAfterMs).toBeLessThan(DRAIN_LIMIT_MS)
    await sse.ended
    expect(sse.text()).toMatch(/retry: \d+\n\n$/)
    expect(await ws.closed).toBe(1001)
    agent.destroy()

    const db = new SQLite(join(data.folder, 'chat.db'), { readonly: true })
    expect(db.prepare('select content from messages').pluck().all()).toEqual(['sent across a shutdown'])
    db.close()
  }, 60_000)
})
