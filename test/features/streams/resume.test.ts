import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse, openWs, type Received } from './clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.destroy())

type Transport = 'sse' | 'ws'

/** One connection that resumes after `lastId`: its received message ids, and a way to cut it. */
async function connect(transport: Transport, token: string, lastId: number) {
  if (transport === 'sse') {
    const stream = await openSse(server.url, { token, headers: { 'last-event-id': String(lastId) } })
    return { received: stream.events as Received<unknown>, ids: () => messagesOf(stream.events.items).map((m) => m.id), cut: stream.close }
  }
  // The contract's way: sign in by frame, then resume.
  const ws = await openWs(server.url)
  ws.send({ type: 'auth', token })
  ws.send({ type: 'resume', after_id: lastId })
  return {
    received: ws.frames as Received<unknown>,
    ids: () => ws.frames.items.filter((frame) => frame.type === 'message').map((frame) => frame.data.id as number),
    cut: () => ws.socket.terminate(),
  }
}

describe('resuming a stream', () => {
  it('delivers every message exactly once and in order, however often the connection drops', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Transport>('sse', 'ws'),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 3, maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 24 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 20 }),
        async (transport, sendsPerSender, cutPoints, replayDelayMs) => {
          // A slower database read widens the window in which sends commit during a replay.
          const { chat } = server
          const original = chat.messagesAfter.bind(chat)
          chat.messagesAfter = async (...args) => {
            await new Promise((resolve) => setTimeout(resolve, replayDelayMs))
            return original(...args)
          }
          try {
            const reader = await server.signIn()
            const seller = await server.signIn()
            const other = await server.signIn()
            const { thread } = await reader.createThread({ participants: [reader.address, seller.address] })
            const { thread: second } = await other.createThread({ participants: [reader.address, other.address] })
            const baseline = (await seller.sendMessage(thread.uuid, { content: 'before' })).message.id

            const received: number[] = []
            let expected: number[] | null = null
            const cuts = [...cutPoints].sort((a, b) => a - b)
            let current: Received<unknown> | undefined
            const follow = async () => {
              while (expected === null || received.length < expected.length) {
                const connection = await connect(transport, reader.token!, received.at(-1) ?? baseline)
                const cutAt = cuts.find((point) => point > received.length)
                const done = () => {
                  const total = received.length + connection.ids().length
                  return (cutAt !== undefined && total >= cutAt) || (expected !== null && total >= expected.length)
                }
                current = connection.received
                await connection.received.until(done, 10_000)
                connection.cut()
                received.push(...connection.ids())
              }
            }
            const following = follow()

            // Three senders at once, in two threads, the reader's own other device among them.
            const senders = [
              [seller, thread.uuid],
              [other, second.uuid],
              [reader, thread.uuid],
            ] as const
            const sent = await Promise.all(
              senders.flatMap(([client, uuid], i) =>
                Array.from({ length: sendsPerSender[i]! }, (_, n) => client.sendMessage(uuid, { content: `m${i}-${n}` })),
              ),
            )
            expected = sent.map(({ message }) => message.id).sort((a, b) => a - b)
            current?.recheck()
            await following
            expect(received).toEqual(expected)
          } finally {
            chat.messagesAfter = original
          }
        },
      ),
      { numRuns: 12 },
    )
  }, 60_000)

  it('hands over from replay to live without a gap or a duplicate, even for messages sent meanwhile', async () => {
    const reader = await server.signIn()
    const seller = await server.signIn()
    const { thread } = await reader.createThread({ participants: [reader.address, seller.address] })
    const seen = (await seller.sendMessage(thread.uuid, { content: 'seen' })).message.id
    const missed = (await seller.sendMessage(thread.uuid, { content: 'missed' })).message.id

    // While the stream replays, one message commits before its query (so the replay has it and
    // its live event must be dropped) and one after (so only its live event can bring it).
    const { chat } = server
    const original = chat.messagesAfter.bind(chat)
    const sentMeanwhile: number[] = []
    chat.messagesAfter = async (...args) => {
      chat.messagesAfter = original
      sentMeanwhile.push((await seller.sendMessage(thread.uuid, { content: 'during, before the query' })).message.id)
      const page = await original(...args)
      sentMeanwhile.push((await seller.sendMessage(thread.uuid, { content: 'during, after the query' })).message.id)
      return page
    }
    try {
      const stream = await openSse(server.url, { token: reader.token!, headers: { 'last-event-id': String(seen) } })
      const events = await stream.events.until((all) => messagesOf(all).length >= 3)
      const live = (await seller.sendMessage(thread.uuid, { content: 'live' })).message.id
      await stream.events.until((all) => messagesOf(all).length >= 4)
      expect(messagesOf(events).map((m) => m.id)).toEqual([missed, ...sentMeanwhile, live])
      stream.close()
    } finally {
      chat.messagesAfter = original
    }
  })
})
