import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthRepository } from '../../../src/features/auth/index.js'
import { SINGLE_WRITER } from '../../../src/core/database/database.js'
import { MessageRepository, ThreadRepository } from '../../../src/features/chat/index.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

/** Every repository whose queries a request runs. */
interface Repositories {
  auth: AuthRepository
  threads: ThreadRepository
  messages: MessageRepository
}

let server: TestServer
let sqlite: SQLite.Database
let db: Kysely<object>
const queries: CompiledQuery[] = []

beforeAll(async () => {
  server = await startTestServer()
  const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
  const shop = await alice.createShop({ name: 'Plans', url: 'vfx://plans' })
  const { thread } = await bob.createThread({ participants: [bob.address], shop_id: shop.id, initial_message: 'hi' })
  for (let i = 0; i < 5; i++) await alice.sendMessage(thread.uuid, { content: `m${i}`, client_id: `c${i}` })
  sqlite = new SQLite(server.databaseUrl.slice('sqlite:'.length))
  // No ANALYZE: without statistics SQLite plans as for large tables, which is what matters.
  db = new Kysely<object>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') queries.push(event.query)
    },
  })
})
afterAll(async () => {
  await db.destroy()
  await server.destroy()
})

/** The full scans in the plan of every query `run` sends. */
async function scansOf(run: (repositories: Repositories) => Promise<unknown>): Promise<string[]> {
  queries.length = 0
  await run({ auth: new AuthRepository(db), threads: new ThreadRepository(db), messages: new MessageRepository(db, SINGLE_WRITER) })
  expect(queries.length).toBeGreaterThan(0)
  return queries.flatMap((query) => {
    const plan = sqlite.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[]
    return plan.map((row) => row.detail).filter((detail) => /^SCAN /.test(detail))
  })
}

describe('the hot queries use indexes (no full scan of threads, participants, messages, inbox)', () => {
  let thread: { id: number; uuid: string; message_count: number }
  let alice: string
  let bob: string
  beforeAll(() => {
    thread = sqlite.prepare('select id, uuid, message_count from threads').get() as typeof thread
    const rows = sqlite.prepare('select address from thread_participants order by position').all() as { address: string }[]
    ;[bob, alice] = rows.map((row) => row.address) as [string, string]
  })

  const message = (content: string, clientId: string | null) => ({
    threadId: thread.id,
    threadUuid: thread.uuid,
    sender: alice,
    content,
    clientId,
    now: new Date().toISOString(),
  })

  it.each([
    ['a thread as a participant sees it', ({ threads }: Repositories) => threads.findVisibleThread(thread.uuid, alice)],
    ["the caller's threads", ({ threads }: Repositories) => threads.listThreads(alice, {}, 20, 0)],
    ["the caller's threads of a shop", ({ threads }: Repositories) => threads.listThreads(alice, { shopId: 1, shopUrl: 'vfx://plans' }, 20, 0)],
    ['participants with read markers', ({ threads }: Repositories) => threads.participants([thread.id])],
    ['the latest messages', ({ messages }: Repositories) => messages.messages(thread, { newest: true, limit: 100 })],
    ['messages after a cursor', ({ messages }: Repositories) => messages.messages(thread, { afterId: 2, limit: 50 })],
    ['messages before a cursor', ({ messages }: Repositories) => messages.messages(thread, { beforeId: 5, limit: 50 })],
    ['a page of messages', ({ messages }: Repositories) => messages.messages(thread, { offset: 20, limit: 20 })],
    ['the last page of messages', ({ messages }: Repositories) => messages.messages(thread, { offset: 4, limit: 2 })],
    ["the last page of the caller's threads", ({ threads }: Repositories) => threads.listThreads(alice, {}, 1, 1)],
    ['cursor links', ({ messages }: Repositories) => messages.hasMessagesBeyond(thread.id, 3, 'before')],
    ['a message of the thread', ({ messages }: Repositories) => messages.hasMessage(thread.id, 3)],
    ['a read marker moving', ({ threads }: Repositories) => threads.markRead(thread.id, bob, 4)],
    ['unread messages', ({ messages }: Repositories) => messages.newMessages(bob, {}, 100)],
    ['new messages after an id', ({ messages }: Repositories) => messages.newMessages(bob, { afterId: 2 }, 100)],
    ['new messages since a time', ({ messages }: Repositories) => messages.newMessages(bob, { since: '2000-01-01T00:00:00.000Z' }, 100)],
    ['an idempotent resend', ({ messages }: Repositories) => messages.addMessage(message('m0', 'c0'))],
    ['a new message', ({ messages }: Repositories) => messages.addMessage(message('new', null))],
    ['a thread by its participant set', ({ threads }: Repositories) => threads.findThreadByKey(`${[alice, bob].sort().join(',')}#1`)],
    ['a token', ({ auth }: Repositories) => auth.findToken('0'.repeat(64), new Date().toISOString())],
  ])('%s', async (_name, run) => {
    expect(await scansOf(run)).toEqual([])
  })
})

describe('the unique index on client_id', () => {
  it('holds only the messages that carry one, and still finds a resend by it', () => {
    const unique = sqlite.prepare('select count(*) as n from messages where client_id is not null').get() as { n: number }
    const all = sqlite.prepare('select count(*) as n from messages').get() as { n: number }
    // The thread's opening message was sent without one.
    expect(all.n).toBeGreaterThan(unique.n)
    const entries = sqlite.prepare('select count(*) as n from messages indexed by messages_client_id where client_id is not null').get() as { n: number }
    expect(entries.n).toBe(unique.n)
    const index = (sqlite.pragma('index_list(messages)') as { name: string; unique: number; partial: number }[]).find((row) => row.name === 'messages_client_id')
    expect(index).toMatchObject({ unique: 1, partial: 1 })
    const plan = sqlite.prepare('explain query plan select id from messages where thread_id = ? and sender = ? and client_id = ?').all(1, 'a', 'c0') as { detail: string }[]
    expect(plan.map((row) => row.detail).join()).toContain('messages_client_id')
  })
})
