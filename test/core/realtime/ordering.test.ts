import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { MessageOrder } from '../../../src/core/realtime/message-order.js'
import { MemoryMessageLog } from '../../helpers/message-log.js'
import { postgresSchema } from '../../helpers/postgres.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse } from '../../features/streams/clients.js'

describe('MessageOrder', () => {
  afterEach(() => vi.useRealTimers())

  it('passes events on in id order, whatever order they come in', async () => {
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id), new MemoryMessageLog())
    await order.catchUp()
    for (const id of [1, 3, 4, 2, 6, 5]) order.push(id, id)
    expect(out).toEqual([1, 2, 3, 4, 5, 6])
    order.clear()
  })

  it('sends nothing before it knows where the settled ids end, then starts after them', async () => {
    const log = new MemoryMessageLog<number>()
    for (const id of [1, 2, 3]) log.commit(id, id)
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id), log)
    order.push(4, 4)
    expect(out).toEqual([])
    await order.catchUp()
    expect(out).toEqual([4])
    order.clear()
  })

  it('holds a later id while a lower one is still in flight, and sends both once it commits', async () => {
    vi.useFakeTimers()
    const log = new MemoryMessageLog<number>()
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id), log, { windowMs: 250 })
    await order.catchUp()
    // 1 is claimed by a transaction still open: the high-water mark stays below it.
    log.inFlight.add(1)
    log.commit(2, 2)
    order.push(2, 2)
    await vi.advanceTimersByTimeAsync(2000)
    expect(out).toEqual([])
    log.inFlight.delete(1)
    log.commit(1, 1)
    await vi.advanceTimersByTimeAsync(250)
    expect(out).toEqual([1, 2])
    order.clear()
  })

  it('after the window, takes a missing id from the database, and skips one the database shows never committed', async () => {
    vi.useFakeTimers()
    const log = new MemoryMessageLog<number>()
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id), log, { windowMs: 250 })
    await order.catchUp()
    // 2 committed but its event never came (its node died); 3 rolled back; 5 committed and published.
    for (const id of [1, 2, 4, 5]) log.commit(id, id)
    order.push(1, 1)
    order.push(4, 4)
    order.push(5, 5)
    await vi.advanceTimersByTimeAsync(249)
    expect(out).toEqual([1])
    await vi.advanceTimersByTimeAsync(1)
    expect(out).toEqual([1, 2, 4, 5])
    // Late events of ids already delivered or decided are not sent again.
    order.push(2, 2)
    order.push(3, 3)
    order.push(6, 6)
    expect(out).toEqual([1, 2, 4, 5, 6])
    order.clear()
  })

  it('never skips an id on a timer alone: while the database cannot answer, later events wait', async () => {
    vi.useFakeTimers()
    const log = new MemoryMessageLog<number>()
    const out: number[] = []
    const errors: unknown[] = []
    const order = new MessageOrder<number>((id) => out.push(id), log, { windowMs: 250, onError: (e) => errors.push(e) })
    await order.catchUp()
    for (const id of [1, 2, 3]) log.commit(id, id)
    order.push(1, 1)
    order.push(3, 3)
    log.failing = true
    await vi.advanceTimersByTimeAsync(2000)
    expect(out).toEqual([1])
    expect(errors.length).toBeGreaterThanOrEqual(2)
    log.failing = false
    await vi.advanceTimersByTimeAsync(250)
    expect(out).toEqual([1, 2, 3])
    order.clear()
  })

  it('moves past settled ids without reading them while no one listens', async () => {
    vi.useFakeTimers()
    const log = new MemoryMessageLog<number>()
    const between = vi.spyOn(log, 'between')
    const out: number[] = []
    let listening = false
    const order = new MessageOrder<number>((id) => out.push(id), log, { windowMs: 250, listened: () => listening })
    await order.catchUp()
    for (const id of [1, 2, 3]) log.commit(id, id)
    order.push(3, 3)
    await vi.advanceTimersByTimeAsync(250)
    expect(between).not.toHaveBeenCalled()
    expect(out).toEqual([])
    listening = true
    log.commit(4, 4)
    log.commit(5, 5)
    order.push(5, 5)
    await vi.advanceTimersByTimeAsync(250)
    expect(out).toEqual([4, 5])
    order.clear()
  })

  it('catches up on demand with messages no event announced (a bus outage), in pages, in order', async () => {
    const log = new MemoryMessageLog<number>()
    const out: number[] = []
    const order = new MessageOrder<number>((id) => out.push(id), log)
    await order.catchUp()
    log.commit(1, 1)
    order.push(1, 1)
    for (let id = 2; id <= 450; id++) if (id % 7 !== 0) log.commit(id, id)
    await order.catchUp()
    const expected = [...log.committed.keys()].sort((a, b) => a - b)
    expect(out).toEqual(expected)
    order.push(451, 451)
    expect(out.at(-1)).toBe(451)
    order.clear()
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
