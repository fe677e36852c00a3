import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MessageOrder } from '../../../src/core/realtime/message-order.js'
import { postgresSchema } from '../../helpers/postgres.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse } from '../../features/streams/clients.js'

describe('MessageOrder', () => {
  it('passes events on in id order, whatever order they come in', () => {
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id))
    for (const id of [10, 12, 13, 11, 15, 14]) order.push(id, id)
    expect(out).toEqual([10, 11, 12, 13, 14, 15])
    order.clear()
  })

  it('takes an id still missing after the window for a gap, and goes on', () => {
    vi.useFakeTimers()
    try {
      const out: number[] = []
      const order = new MessageOrder<number>((id) => out.push(id), 250)
      for (const id of [1, 3, 4]) order.push(id, id)
      expect(out).toEqual([1])
      vi.advanceTimersByTime(250)
      expect(out).toEqual([1, 3, 4])
      // Too late: 2 goes out as it comes; streams past it skip it.
      order.push(2, 2)
      order.push(5, 5)
      expect(out).toEqual([1, 3, 4, 2, 5])
    } finally {
      vi.useRealTimers()
    }
  })
})

// PostgreSQL commits concurrent sends on several connections, so their events can be
// published out of id order; SQLite's single writer cannot show it.
describe('live message events on PostgreSQL', () => {
  let server: TestServer
  let drop: () => Promise<void>
  beforeAll(async () => {
    const schema = await postgresSchema()
    drop = schema.drop
    server = await startTestServer({ DATABASE_URL: schema.url })
  })
  afterAll(async () => {
    await server.destroy()
    await drop()
  })

  it('reach a stream complete and in id order while many senders send at once', async () => {
    const reader = await server.signIn()
    const senders = await Promise.all(Array.from({ length: 5 }, () => server.signIn()))
    const threads = await Promise.all(
      senders.map(async (sender) => (await sender.createThread({ participants: [sender.address, reader.address] })).thread),
    )
    const stream = await openSse(server.url, { token: reader.token! })
    const sent: number[] = []
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        senders.flatMap((sender, i) =>
          Array.from({ length: 8 }, (_, n) => sender.sendMessage(threads[i]!.uuid, { content: `${round}.${n}` })),
        ),
      )
      sent.push(...answers.map(({ message }) => message.id))
    }
    sent.sort((a, b) => a - b)
    const events = await stream.events.until((all) => messagesOf(all).length >= sent.length, 15_000)
    expect(messagesOf(events).map((m) => m.id)).toEqual(sent)
    stream.close()
  }, 60_000)
})
