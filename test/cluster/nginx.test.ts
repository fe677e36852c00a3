import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messagesOf, openSse, openWs } from '../features/streams/clients.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { startNginx, type Nginx } from '../helpers/nginx.js'

// Two nodes behind Debian's nginx running deploy/nginx.conf, as docs/deploy.md sets them up.
let cluster: TestCluster
let nginx: Nginx

beforeAll(async () => {
  cluster = await startCluster({ TRUST_PROXY: '1', MAX_STREAMS_PER_IP: '2' })
  nginx = await startNginx([cluster.nodeA.url, cluster.nodeB.url].map((url) => new URL(url).host))
})

afterAll(async () => {
  await nginx?.stop()
  await cluster?.destroy()
})

describe('nginx in front of two nodes', () => {
  it('carries Server-Sent Events as they happen, unbuffered', async () => {
    const [buyer, seller] = [await cluster.nodeA.signIn(), await cluster.nodeB.signIn()]
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    const stream = await openSse(nginx.url, { token: seller.token! })
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/)
    // A small event would sit in nginx's buffer until it filled, or the stream ended.
    const { message } = await buyer.sendMessage(thread.uuid, { content: 'through the proxy' })
    await stream.events.until((events) => messagesOf(events).length === 1, 2000)
    expect(messagesOf(stream.events.items)).toEqual([message])
    stream.close()
  })

  it('upgrades WebSockets: a send through the proxy is acknowledged and delivered', async () => {
    const [buyer, seller] = [await cluster.nodeA.signIn(), await cluster.nodeA.signIn()]
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    const socket = await openWs(nginx.url, { token: buyer.token! })
    const listener = await openSse(cluster.nodeB.url, { token: seller.token! })
    socket.send({ type: 'send', thread_uuid: thread.uuid, content: 'over the socket', client_id: 'ws-1' })
    const frames = await socket.frames.until((all) => all.some((frame) => frame.type === 'ack'))
    const sent = (frames.find((frame) => frame.type === 'ack')!.data as { message: { id: number } }).message
    await listener.events.until((events) => messagesOf(events).length === 1)
    expect(messagesOf(listener.events.items)[0]).toMatchObject({ id: sent.id, content: 'over the socket' })
    socket.socket.close()
    listener.close()
  })

  it('counts per-IP limits against the real client with TRUST_PROXY, whatever X-Forwarded-For it sends', async () => {
    const people = await Promise.all(Array.from({ length: 4 }, () => cluster.nodeA.signIn()))
    const from = (ip: string, person: number, spoofed: string) =>
      openSse(nginx.url, { token: people[person]!.token!, localAddress: ip, headers: { 'x-forwarded-for': spoofed } })
    const open = [await from('127.0.0.2', 0, '10.0.0.1'), await from('127.0.0.2', 1, '10.0.0.2')]
    expect(open.map((stream) => stream.response.statusCode)).toEqual([200, 200])
    // 127.0.0.2 holds its two streams, on whichever nodes: a third is refused, whatever it claims.
    const refused = await from('127.0.0.2', 2, '10.0.0.3')
    expect(refused.response.statusCode).toBe(429)
    // Another client is another IP.
    const other = await from('127.0.0.3', 3, '10.0.0.1')
    expect(other.response.statusCode).toBe(200)
    for (const stream of [...open, other]) stream.close()
  })
})
