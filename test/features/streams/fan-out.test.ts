import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse, type SseClient } from './clients.js'

const ADDRESSES = 20
const STREAMS_PER_ADDRESS = 50

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ MAX_STREAMS_PER_ADDRESS: '100', MAX_STREAMS_PER_IP: '2000' })
})
afterAll(() => server.destroy())

describe('one process', () => {
  it(`carries a broadcast to ${ADDRESSES * STREAMS_PER_ADDRESS} concurrent SSE streams`, async () => {
    const sender = await server.signIn()
    const readers = await Promise.all(Array.from({ length: ADDRESSES }, () => server.signIn()))
    const { thread } = await sender.createThread({ participants: [sender.address, ...readers.map((r) => r.address)] })

    const streams: SseClient[] = []
    // In batches, so the listen backlog never overflows.
    for (let batch = 0; batch < STREAMS_PER_ADDRESS; batch++) {
      streams.push(...(await Promise.all(readers.map((reader) => openSse(server.url, { token: reader.token! })))))
    }
    expect(streams.every((stream) => stream.response.statusCode === 200)).toBe(true)
    expect(server.app.streams.size).toBe(ADDRESSES * STREAMS_PER_ADDRESS)

    const { message } = await sender.sendMessage(thread.uuid, { content: 'to everyone' })
    await Promise.all(streams.map((stream) => stream.events.until((events) => events.length >= 1, 20_000)))
    for (const stream of streams) expect(messagesOf(stream.events.items)).toEqual([message])
    for (const stream of streams) stream.close()
  }, 60_000)
})
