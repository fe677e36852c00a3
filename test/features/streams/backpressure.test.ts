import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse } from './clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ STREAM_BUFFER_BYTES: '65536', MAX_MESSAGE_LENGTH: '16000' })
})
afterAll(() => server.destroy())

describe('a slow consumer', () => {
  it('is cut off once it falls too far behind, while a fast one on the same thread keeps receiving', async () => {
    const slow = await server.signIn()
    const fast = await server.signIn()
    const seller = await server.signIn()
    const { thread } = await seller.createThread({ participants: [seller.address, slow.address, fast.address] })
    const before = server.app.streams.size

    // A raw client that asks for the stream and then never reads a byte.
    const { hostname, port } = new URL(server.url)
    const raw = connect(Number(port), hostname)
    raw.write(`GET /api/chat/stream/ HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${slow.token}\r\n\r\n`)
    raw.pause()
    const fastStream = await openSse(server.url, { token: fast.token! })
    await waitUntil(() => server.app.streams.size === before + 2)

    // Large messages fill the kernel's socket buffers first; past them, the server's bound.
    const content = 'x'.repeat(16_000)
    const sent: number[] = []
    while (server.app.streams.size === before + 2 && sent.length < 3000) {
      sent.push((await server.chat.sendMessage(seller.address, thread.uuid, { content })).message.id)
      // Sends arrive as I/O in life: let the sockets (the fast reader's among them) have their turn.
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(server.app.streams.size).toBe(before + 1)

    const last = (await server.chat.sendMessage(seller.address, thread.uuid, { content: 'after the cut' })).message.id
    const events = await fastStream.events.until((all) => messagesOf(all).at(-1)?.id === last, 20_000)
    expect(messagesOf(events).map((m) => m.id)).toEqual([...sent, last])
    fastStream.close()
    raw.destroy()
  }, 60_000)
})

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}
