import { randomBytes, randomUUID } from 'node:crypto'
import SQLite from 'better-sqlite3'
import { addressFromPublicKey } from '../src/core/vfx/address.js'
import { threadKey } from '../src/features/chat/thread-rules.js'
import { openDatabase } from '../src/core/database/database.js'
import { MIGRATIONS } from '../src/server.js'

export interface Dataset {
  threads: number
  messagesPerThread: number
}

export interface Seeded {
  /** For each key-holding address: the uuids of its two-person threads. */
  threadsOf: Map<string, string[]>
  /** A thread of every key-holding address (≤ 50), for fan-out. */
  groupThread: string
  messages: number
}

// Each address takes part in this many two-person threads, whatever the size of the data:
// a bigger database means more people, not busier ones, so per-caller work stays the same.
const THREADS_PER_ADDRESS = 10
// Every 10th address owns a shop, and threads with it are about that shop.
const SHOP_EVERY = 10
// Read markers sit this many messages before each thread's end: a little unread everywhere.
const UNREAD_TAIL = 2
/** The messages a thread's detail answers (docs/api.md §4). */
const DETAIL_MESSAGES = 100
const ROWS_PER_TRANSACTION = 50_000

/**
 * Fills a fresh SQLite file with `dataset`, writing rows straight into the schema the app
 * migrates (openDatabase runs the migrations first) in big transactions. The first addresses
 * are `holders`' (their keys sign in over HTTP later); the rest are addresses nobody holds.
 * Messages are written round by round across all threads, so a thread's messages are spread
 * over the table as they would be in a real database.
 */
export async function seed(
  path: string,
  dataset: Dataset,
  holders: readonly string[],
  progress: (done: number, total: number) => void,
): Promise<Seeded> {
  const { db } = await openDatabase(`sqlite:${path}`, MIGRATIONS)
  await db.destroy()

  const addressCount = Math.max(holders.length * 2, Math.ceil((dataset.threads * 2) / THREADS_PER_ADDRESS))
  const addresses = [...holders]
  while (addresses.length < addressCount) addresses.push(addressFromPublicKey(randomBytes(64), 'standard', 'mainnet'))

  const writer = openForSeeding(path, dataset.threads * (dataset.messagesPerThread + 1), progress)
  const { sqlite, insertShop, insertThread, insertParticipant, insertMessage, insertInbox, inBatches } = writer

  const shopOf = (index: number) => (index % SHOP_EVERY === 0 ? index / SHOP_EVERY + 1 : null)
  sqlite.transaction(() => {
    for (let i = 0; i < addresses.length; i += SHOP_EVERY) {
      const id = shopOf(i)!
      insertShop.run(id, `Shop ${id}`, `vfx://shop-${id}`, `shop-${id}`, addresses[i], at(0))
    }
  })()

  // Thread t is between addresses a and a+1+round: every pair distinct, each address in
  // THREADS_PER_ADDRESS threads.
  const pairs = Array.from({ length: dataset.threads }, (_, t) => {
    const a = t % addresses.length
    const b = (a + 1 + Math.floor(t / addresses.length)) % addresses.length
    return { a: addresses[a]!, b: addresses[b]!, shopId: shopOf(b) }
  })
  const uuids = pairs.map(() => randomUUID())
  const messages = dataset.threads * dataset.messagesPerThread
  const idOf = (round: number, t: number) => round * dataset.threads + t + 1
  const contentOf = (round: number, t: number) => `Message ${round + 1} about listing #${t}: is it still available?`
  const senderOf = (round: number, t: number) => (round % 2 === 0 ? pairs[t]!.a : pairs[t]!.b)
  const lastRound = dataset.messagesPerThread - 1
  const readUpTo = Math.max(0, lastRound - UNREAD_TAIL)

  inBatches(dataset.threads, (t) => {
    const { a, b, shopId } = pairs[t]!
    const last = idOf(lastRound, t)
    const updated = at(last)
    insertThread.run(t + 1, uuids[t], threadKey([a, b], shopId), shopId, at(0), updated, contentOf(lastRound, t), last, dataset.messagesPerThread)
    for (const [position, address] of [a, b].entries()) {
      let unread = 0
      for (let round = readUpTo + 1; round <= lastRound; round++) if (senderOf(round, t) !== address) unread++
      insertParticipant.run(t + 1, address, position, idOf(readUpTo, t), unread, updated)
    }
  })
  inBatches(messages, (i) => {
    const round = Math.floor(i / dataset.threads)
    const t = i % dataset.threads
    const id = idOf(round, t)
    const sender = senderOf(round, t)
    const { a, b } = pairs[t]!
    insertMessage.run(id, t + 1, sender, contentOf(round, t), at(id))
    insertInbox.run(sender === a ? b : a, id, t + 1, at(id))
  })

  const groupThread = randomUUID()
  const groupId = dataset.threads + 1
  sqlite.transaction(() => {
    insertThread.run(groupId, groupThread, threadKey(holders, null), null, at(0), at(0), null, null, 0)
    holders.forEach((address, position) => insertParticipant.run(groupId, address, position, 0, 0, at(0)))
  })()
  writer.close()

  const threadsOf = new Map<string, string[]>(holders.map((address) => [address, []]))
  pairs.forEach(({ a, b }, t) => {
    threadsOf.get(a)?.push(uuids[t]!)
    threadsOf.get(b)?.push(uuids[t]!)
  })
  return { threadsOf, groupThread, messages }
}

// Seeded time runs from a month ago, a second per message id.
const START = Date.now() - 30 * 86_400_000
const at = (second: number) => new Date(START + second * 1000).toISOString()

/**
 * A connection to a freshly migrated file for writing rows straight into it: a throwaway
 * file, so no journal, no fsync, and every page in memory while the indexes fill; rows go in
 * transactions of ROWS_PER_TRANSACTION, and `progress` hears of each against `total`.
 */
function openForSeeding(path: string, total: number, progress: (done: number, total: number) => void) {
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = OFF')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('cache_size = -2097152')
  let done = 0
  return {
    sqlite,
    insertShop: sqlite.prepare('insert into shops (id, name, url, slug, owner_address, created_at) values (?, ?, ?, ?, ?, ?)'),
    insertThread: sqlite.prepare(
      'insert into threads (id, uuid, participant_key, shop_id, created_at, updated_at, last_message, last_message_id, message_count) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertParticipant: sqlite.prepare(
      'insert into thread_participants (thread_id, address, position, last_read_id, unread_count, hidden, updated_at) values (?, ?, ?, ?, ?, 0, ?)',
    ),
    insertMessage: sqlite.prepare('insert into messages (id, thread_id, sender, content, client_id, created_at) values (?, ?, ?, ?, null, ?)'),
    insertInbox: sqlite.prepare('insert into inbox (address, message_id, thread_id, created_at) values (?, ?, ?, ?)'),
    inBatches(count: number, write: (i: number) => void) {
      for (let from = 0; from < count; from += ROWS_PER_TRANSACTION) {
        sqlite.transaction(() => {
          for (let i = from; i < Math.min(count, from + ROWS_PER_TRANSACTION); i++) write(i)
        })()
        done += Math.min(ROWS_PER_TRANSACTION, count - from)
        progress(done, total)
      }
    },
    /** Back to the mode the service runs in (it sets WAL too, but the file starts out right). */
    close() {
      sqlite.pragma('journal_mode = WAL')
      sqlite.close()
    },
  }
}

export interface Depth {
  /** Messages in the one deep thread (between the first two holders). */
  threadMessages: number
  /** Threads of the third holder, each with someone nobody else talks to. */
  inboxThreads: number
}

/**
 * A caller and what its requests name: a thread, the id a cursor page starts after (the deep
 * thread's middle; an ordinary thread's start, so its page is as full), a partner to look up.
 */
export interface DepthTarget {
  address: string
  thread: string
  cursorId: number
  partner: string
}

/** Each depth request's two sides, in one database: the deep one and an ordinary one. */
export interface DepthSeeded {
  deepThread: DepthTarget
  shallowThread: DepthTarget
  /** A thread of as many messages as a thread's detail answers: the deep detail's fair other side. */
  fullThread: DepthTarget
  bigInbox: DepthTarget
  smallInbox: DepthTarget
}

/**
 * `dataset` as `seed` writes it, plus the other two shapes of a marketplace: a thread of
 * `depth.threadMessages` messages between the first two holders, and the third holder in
 * `depth.inboxThreads` more threads (a question and its answer each, all read: its unread
 * messages are those of its ordinary threads, as many as the fourth holder's). The fourth
 * holder keeps an ordinary inbox: the other side of each comparison.
 */
export async function seedDepth(
  path: string,
  dataset: Dataset,
  depth: Depth,
  holders: readonly string[],
  progress: (done: number, total: number) => void,
): Promise<DepthSeeded> {
  const seeded = await seed(path, dataset, holders, progress)
  const [deepA, deepB, big, small] = holders as [string, string, string, string]
  const writer = openForSeeding(path, depth.threadMessages + DETAIL_MESSAGES + depth.inboxThreads, progress)
  const { sqlite, insertThread, insertParticipant, insertMessage, insertInbox, inBatches } = writer
  let threadId = (sqlite.prepare('select max(id) as id from threads').get() as { id: number }).id
  let messageId = (sqlite.prepare('select max(id) as id from messages').get() as { id: number }).id

  // The deep thread: a shop's (the first holder owns shop 1) long conversation with a regular
  // buyer; the two take turns, and each has read all but the last UNREAD_TAIL.
  const deepId = ++threadId
  const deepUuid = randomUUID()
  const firstId = messageId + 1
  const lastId = messageId + depth.threadMessages
  const readUpTo = lastId - UNREAD_TAIL
  const senderOf = (id: number) => ((id - firstId) % 2 === 0 ? deepA : deepB)
  insertThread.run(deepId, deepUuid, threadKey([deepA, deepB], 1), 1, at(firstId), at(lastId), 'the last one', lastId, depth.threadMessages)
  inBatches(depth.threadMessages, (i) => {
    const id = firstId + i
    const sender = senderOf(id)
    insertMessage.run(id, deepId, sender, `Message ${i + 1} of a long conversation: same as usual?`, at(id))
    insertInbox.run(sender === deepA ? deepB : deepA, id, deepId, at(id))
  })
  messageId = lastId
  sqlite.transaction(() => {
    for (const [position, address] of [deepA, deepB].entries()) {
      let unread = 0
      for (let id = readUpTo + 1; id <= lastId; id++) if (senderOf(id) !== address) unread++
      insertParticipant.run(deepId, address, position, readUpTo, unread, at(lastId))
    }
  })()

  // A thread of exactly as many messages as a detail shows, between the first holder and a new
  // buyer, all read.
  const fullPartner = addressFromPublicKey(randomBytes(64), 'standard', 'mainnet')
  const fullId = ++threadId
  const fullUuid = randomUUID()
  const fullFirst = messageId + 1
  const fullLast = messageId + DETAIL_MESSAGES
  insertThread.run(fullId, fullUuid, threadKey([deepA, fullPartner], null), null, at(fullFirst), at(fullLast), 'the last one', fullLast, DETAIL_MESSAGES)
  inBatches(DETAIL_MESSAGES, (i) => {
    const id = fullFirst + i
    const [sender, recipient] = i % 2 === 0 ? [fullPartner, deepA] : [deepA, fullPartner]
    insertMessage.run(id, fullId, sender, `Message ${i + 1} of a hundred: same as usual?`, at(id))
    insertInbox.run(recipient, id, fullId, at(id))
  })
  messageId = fullLast
  sqlite.transaction(() => {
    for (const [position, address] of [deepA, fullPartner].entries()) insertParticipant.run(fullId, address, position, fullLast, 0, at(fullLast))
  })()

  // The big inbox: a question and its answer in each thread, all read.
  const partners: string[] = []
  inBatches(depth.inboxThreads, () => {
    const partner = addressFromPublicKey(randomBytes(64), 'standard', 'mainnet')
    partners.push(partner)
    const id = ++threadId
    const question = ++messageId
    const answer = ++messageId
    insertThread.run(id, randomUUID(), threadKey([partner, big], null), null, at(question), at(answer), 'Yes, it is.', answer, 2)
    insertMessage.run(question, id, partner, 'Is this still available?', at(question))
    insertInbox.run(big, question, id, at(question))
    insertMessage.run(answer, id, big, 'Yes, it is.', at(answer))
    insertInbox.run(partner, answer, id, at(answer))
    insertParticipant.run(id, partner, 0, answer, 0, at(answer))
    insertParticipant.run(id, big, 1, answer, 0, at(answer))
  })

  const startOf = (uuid: string) =>
    (sqlite.prepare('select min(m.id) from messages m join threads t on t.id = m.thread_id where t.uuid = ?').pluck().get(uuid) as number) - 1
  const partnerOf = (address: string, uuid: string) =>
    sqlite
      .prepare('select tp.address from thread_participants tp join threads t on t.id = tp.thread_id where t.uuid = ? and tp.address <> ?')
      .pluck()
      .get(uuid, address) as string
  const ordinary = (address: string): DepthTarget => {
    const thread = seeded.threadsOf.get(address)![0]!
    return { address, thread, cursorId: startOf(thread), partner: partnerOf(address, thread) }
  }
  const result: DepthSeeded = {
    deepThread: { address: deepA, thread: deepUuid, cursorId: firstId + Math.floor(depth.threadMessages / 2), partner: deepB },
    shallowThread: ordinary(deepA),
    fullThread: { address: deepA, thread: fullUuid, cursorId: fullFirst - 1, partner: fullPartner },
    bigInbox: { ...ordinary(big), partner: partners[0]! },
    smallInbox: ordinary(small),
  }
  writer.close()
  return result
}
