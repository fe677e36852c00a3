import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDatabase, type OpenDatabase } from '../../../src/core/database/database.js'
import { messagesOf, openSse } from '../../features/streams/clients.js'
import { postgresSchema } from '../../helpers/postgres.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

// PostgreSQL commits concurrent sends in any order; readers must still never pass an id that a
// transaction in flight may commit later. A test transaction claims an id and holds it.
describe('message ids on PostgreSQL', () => {
  let server: TestServer
  let database: OpenDatabase
  let drop: () => Promise<void>
  beforeAll(async () => {
    const schema = await postgresSchema()
    drop = schema.drop
    server = await startTestServer({ DATABASE_URL: schema.url })
    database = connectDatabase(schema.url)
  })
  afterAll(async () => {
    await database.db.destroy()
    await server.destroy()
    await drop()
  })

  /** A send's transaction, stopped after it claimed its id; `end()` rolls it back. */
  async function claimInFlight() {
    let end!: () => void
    const ended = new Promise<void>((resolve) => (end = resolve))
    let claimed!: (id: number) => void
    const id = new Promise<number>((resolve) => (claimed = resolve))
    const transaction = database.db
      .transaction()
      .execute(async (trx) => {
        claimed((await database.orderMessages.claimId(trx))!)
        await ended
        throw new Error('rolled back')
      })
      .catch(() => {})
    return { id: await id, end: async () => (end(), await transaction) }
  }

  it('lets a send commit while another is in flight, and shows it to no reader until the lower id is settled', async () => {
    const [buyer, seller] = [await server.signIn(), await server.signIn()]
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    const first = (await buyer.sendMessage(thread.uuid, { content: 'before' })).message
    const stream = await openSse(server.url, { token: seller.token! })
    const open = await claimInFlight()
    expect(open.id).toBe(first.id + 1)

    // Not serialized behind the open transaction (a global lock would hold it until it ends).
    const later = (await buyer.sendMessage(thread.uuid, { content: 'while one is in flight' })).message
    expect(later.id).toBe(open.id + 1)
    // A reader stops below the id in flight: resuming from `later` now would skip it for good.
    expect((await seller.newMessages({ after_id: first.id })).results).toEqual([])
    const resumed = await openSse(server.url, { token: seller.token!, headers: { 'last-event-id': String(first.id) } })
    await server.app.streams.catchUp()
    expect(messagesOf(stream.events.items)).toEqual([])
    expect(messagesOf(resumed.events.items)).toEqual([])

    // Rolled back: its id will never be; the later message reaches everyone, once.
    await open.end()
    await stream.events.until((events) => messagesOf(events).length === 1)
    await resumed.events.until((events) => messagesOf(events).length === 1)
    expect(messagesOf(stream.events.items).map((m) => m.id)).toEqual([later.id])
    expect(messagesOf(resumed.events.items).map((m) => m.id)).toEqual([later.id])
    expect((await seller.newMessages({ after_id: first.id })).results.map((m) => m.id)).toEqual([later.id])
    stream.close()
    resumed.close()
  })
})
