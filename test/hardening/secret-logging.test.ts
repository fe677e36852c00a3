import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { messagesOf, openSse, openWs } from '../features/streams/clients.js'
import { spawnServer, type ChildServer } from '../helpers/child-server.js'
import { exchangeRaw } from './raw-socket.js'

let folder: string
let server: ChildServer
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'vfx-chat-logs-'))
  server = await spawnServer({ DATABASE_URL: `sqlite:${join(folder, 'chat.db')}`, LOG_LEVEL: 'trace' })
}, 60_000)
afterAll(() => {
  server.child.kill('SIGKILL')
  rmSync(folder, { recursive: true, force: true })
})

describe('logs at LOG_LEVEL=trace', () => {
  it('never hold a token, a signature or a private key through sign-in, messages, streams and sign-out', async () => {
    const privateKey = randomBytes(32).toString('hex')
    const signer = VfxSigner.fromPrivateKey(privateKey)
    const client = new VfxChatClient(server.url)
    const { message: challenge } = await client.challenge(signer.address)
    const signature = signer.sign(challenge)
    const { token } = await client.issueToken(signer.address, challenge, signature)
    client.token = token
    const peer = new VfxChatClient(server.url)
    await peer.signIn(VfxSigner.generate())

    const { thread } = await client.createThread({ participants: [signer.address, peer.address!], initial_message: 'hello' })
    // The SSE stream signs in by ?token=, as EventSource must.
    const sse = await openSse(server.url, { query: { token } })
    await peer.sendMessage(thread.uuid, { content: 'over the stream' })
    await sse.events.until((events) => messagesOf(events).some((m) => m.content === 'over the stream'))
    sse.close()
    // The WebSocket signs in by its first frame.
    const ws = await openWs(server.url)
    ws.send({ type: 'auth', token })
    ws.send({ type: 'send', thread_uuid: thread.uuid, content: 'over the socket', client_id: 'ws-1' })
    await ws.frames.until((frames) => frames.some((frame) => frame.type === 'ack'))
    ws.socket.close()
    // A picture, fetched by its signed URL: the signature is a capability while it lasts.
    const picture = await client.uploadAttachment(thread.uuid, new Uint8Array(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } }).png().toBuffer()), 'p.png')
    expect((await fetch(server.url + picture.url)).status).toBe(200)
    const urlSignature = new URL(picture.url, server.url).searchParams.get('signature')!
    // Credentials where they do not belong, and requests the parser refuses with a token inside.
    await fetch(`${server.url}/api/chat/?token=${token}`, { headers: { authorization: `Bearer ${token}` } })
    await fetch(`${server.url}/api/chat/`, { headers: { authorization: `Bearer ${token}x` } })
    await fetch(`${server.url}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: signer.address, message: challenge, signature }),
    })
    await exchangeRaw(server.url, `GET /api/chat/?token=${token} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Bad: a\0b\r\n\r\n`)
    await client.signOut()

    server.child.kill('SIGTERM')
    await server.exited
    const log = server.output()
    // The log did record the flow (at trace level), with the query token cut out.
    expect(log).toContain('/api/chat/stream/?token=[redacted]')
    expect(log).toContain(`/api/attachments/${picture.id}/?expires=`)
    expect(log).toContain(`/api/chat/${thread.uuid}/message/`)
    // The part after the dot is the public key, which is public.
    const derBase64 = signature.split('.')[0]!
    for (const [name, secret] of [
      ['token', token],
      ['download signature', urlSignature],
      ['signature', derBase64],
      ['private key', privateKey],
      ['private key (base64)', Buffer.from(privateKey, 'hex').toString('base64')],
    ] as const) {
      expect(log.includes(secret), `${name} found in the log`).toBe(false)
    }
  })
})
