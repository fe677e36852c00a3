import { sql, type Kysely, type Transaction } from 'kysely'
import { isUniqueViolation } from '../../core/database/database.js'
import { pageFromNearerEnd } from '../../core/database/page-from-end.js'
import { prepared, preparedList, preparedShapes } from '../../core/database/prepared.js'
import { Conflict } from '../../core/errors.js'
import type { ChatDb, ChatTables } from './chat-tables.js'

/** A thread as one participant sees it. */
export interface ThreadRecord {
  id: number
  uuid: string
  shop: { id: number; name: string; url: string } | null
  shop_id: number | null
  created_at: string
  updated_at: string
  last_message: string | null
  last_message_id: number | null
  /** Messages in the thread, tombstones included. */
  message_count: number
  unread_count: number
  /** Everyone in the thread in creation order, when read with it (findVisibleThread). */
  participants?: Participant[]
}

export interface Participant {
  address: string
  last_read_id: number
}

export interface ThreadListFilter {
  shopId?: number
  shopUrl?: string
  /** Addresses the caller blocked: a thread whose other participants are all among them is hidden. */
  hiddenWith?: readonly string[]
  /** Only these threads (a folder of message requests), or all but these. */
  onlyIds?: readonly number[]
  exceptIds?: readonly number[]
}

export interface ReadMarker {
  last_read_id: number
  unread_count: number
}

/**
 * Threads and their participants: membership, order in each inbox, read markers. Each write
 * that touches several tables runs in one transaction; all SQL is dialect-neutral.
 */
export class ThreadRepository {
  readonly #db: Kysely<ChatTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<ChatTables>()
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db)
  }

  async findThreadByKey(key: string): Promise<{ id: number; uuid: string } | undefined> {
    return this.#db.selectFrom('threads').select(['id', 'uuid']).where('participant_key', '=', key).executeTakeFirst()
  }

  /**
   * Creates a thread, or returns the one that already has this key (`created: false`):
   * two racing creations of the same participant set end in one thread.
   */
  async createThread(thread: {
    uuid: string
    key: string
    shopId: number | null
    participants: readonly string[]
    /** Who asked for it: new threads from addresses nobody answered are counted by it. */
    openedBy: string
    now: string
    /** Runs last in the thread's transaction, with its id (it records the event). */
    recorded?: (trx: Transaction<object>, id: number) => Promise<void>
  }): Promise<{ id: number; uuid: string; created: boolean }> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('threads')
          .values({
            uuid: thread.uuid,
            participant_key: thread.key,
            shop_id: thread.shopId,
            opened_by: thread.openedBy,
            created_at: thread.now,
            updated_at: thread.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await trx
          .insertInto('thread_participants')
          .values(thread.participants.map((address, position) => ({ thread_id: id, address, position, updated_at: thread.now })))
          .execute()
        await thread.recorded?.(trx as unknown as Transaction<object>, id)
        return { id, uuid: thread.uuid, created: true }
      })
    } catch (error) {
      const existing = isUniqueViolation(error) ? await this.findThreadByKey(thread.key) : undefined
      if (!existing) throw error
      return { ...existing, created: false }
    }
  }

  /**
   * The thread if `address` takes part in it and has not deleted it, with its participants
   * (one row each, in one statement: every request in a thread needs them); else undefined.
   */
  async findVisibleThread(uuid: string, address: string): Promise<ThreadRecord | undefined> {
    const { rows } = await findVisibleThread(this.#db, uuid, address)
    if (rows.length === 0) return undefined
    const participants = rows.map((row) => ({ address: row.participant, last_read_id: row.participant_read_id }))
    const thread = toThreadRecord(rows[0]!)
    thread.participants = participants
    return thread
  }

  /** The caller's threads, most recently updated first. */
  async listThreads(
    address: string,
    filter: ThreadListFilter,
    limit: number,
    offset: number,
  ): Promise<{ count: number; threads: ThreadRecord[] }> {
    const shape = { shopId: filter.shopId !== undefined, shopUrl: filter.shopUrl !== undefined }
    const hidden = filter.hiddenWith ?? []
    const except = filter.exceptIds ?? []
    if (hidden.length > 0 || except.length > 0 || filter.onlyIds) {
      // Rare (the caller blocked or declined someone, or opened a folder), and its lists vary: built per call.
      let query = filteredThreads(this.#db, shape, address, filter.shopId, filter.shopUrl)
      if (hidden.length > 0) {
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('thread_participants as other')
              .select('other.address')
              .whereRef('other.thread_id', '=', 'tp.thread_id')
              .where('other.address', '<>', address)
              .where('other.address', 'not in', hidden),
          ),
        )
      }
      if (except.length > 0) query = query.where('tp.thread_id', 'not in', except)
      if (filter.onlyIds) {
        if (filter.onlyIds.length === 0) return { count: 0, threads: [] }
        query = query.where('tp.thread_id', 'in', filter.onlyIds)
      }
      const [counted, rows] = await Promise.all([
        query.clearSelect().select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
        query.orderBy('tp.updated_at', 'desc').orderBy('tp.thread_id', 'desc').limit(limit).offset(offset).execute(),
      ])
      return { count: Number(counted.count), threads: rows.map(toThreadRecord) }
    }
    // The whole inbox is counted on write (inbox_counts); a shop's part of it only here.
    const counted = shape.shopId || shape.shopUrl ? countThreads(this.#db, shape, address, filter.shopId, filter.shopUrl) : inboxCount(this.#db, address)
    const count = Number((await counted).rows[0]?.count ?? 0)
    const window = pageFromNearerEnd(count, limit, offset)
    const { rows } = await listThreads(this.#db, Object.assign({ reversed: window.reversed }, shape), address, filter.shopId, filter.shopUrl, window.limit, window.offset)
    if (window.reversed) rows.reverse()
    return { count, threads: rows.map(toThreadRecord) }
  }

  /** The addresses in each thread, in the order they joined: what a list of threads shows. */
  async addresses(threadIds: readonly number[]): Promise<Map<number, string[]>> {
    return byThread(threadIds, threadIds.length === 0 ? [] : (await addressesOfThreads(this.#db, threadIds)).rows, (row) => row.address)
  }

  /** Participants of each thread, in creation order, with their read markers. */
  async participants(threadIds: readonly number[]): Promise<Map<number, Participant[]>> {
    const rows = threadIds.length === 0 ? [] : (await participantsOfThreads(this.#db, threadIds)).rows
    return byThread(threadIds, rows, (row) => ({ address: row.address, last_read_id: row.last_read_id }))
  }

  /**
   * Changes a thread's shop and participant set. Participants who stay keep their position
   * and read marker; new ones join unread; removed ones lose their inbox rows.
   */
  async updateThread(
    threadId: number,
    change: { key: string; shopId: number | null; participants: readonly string[] },
  ): Promise<void> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        const thread = await trx
          .updateTable('threads')
          .set({ participant_key: change.key, shop_id: change.shopId })
          .where('id', '=', threadId)
          .returning('updated_at')
          .executeTakeFirstOrThrow()
        const current = await trx
          .selectFrom('thread_participants')
          .select(['address', 'position'])
          .where('thread_id', '=', threadId)
          .execute()
        const kept = new Set(current.map((p) => p.address))
        const removed = current.map((p) => p.address).filter((a) => !change.participants.includes(a))
        if (removed.length > 0) {
          await trx.deleteFrom('thread_participants').where('thread_id', '=', threadId).where('address', 'in', removed).execute()
          await trx.deleteFrom('inbox').where('thread_id', '=', threadId).where('address', 'in', removed).execute()
        }
        let position = Math.max(-1, ...current.map((p) => p.position))
        for (const address of change.participants.filter((a) => !kept.has(a))) {
          await trx
            .insertInto('thread_participants')
            .values({
              thread_id: threadId,
              address,
              position: ++position,
              updated_at: thread.updated_at,
              unread_count: await countUnread(trx, threadId, address, 0),
            })
            .execute()
          await trx
            .insertInto('inbox')
            .expression(
              trx
                .selectFrom('messages')
                .select((eb) => [eb.val(address).as('address'), 'id', 'thread_id', 'created_at'])
                .where('thread_id', '=', threadId)
                .where('sender', '<>', address),
            )
            .execute()
        }
      })
    } catch (error) {
      throw isUniqueViolation(error) ? new Conflict('A thread with these participants and shop already exists.') : error
    }
  }

  /** Makes the thread visible again for `address` (it asked for it by creating it anew). */
  async unhideThread(threadId: number, address: string): Promise<void> {
    await this.#db
      .updateTable('thread_participants')
      .set({ hidden: 0 })
      .where('thread_id', '=', threadId)
      .where('address', '=', address)
      .execute()
  }

  /**
   * Hides the thread for one participant, their marker moved to its end so a returning thread
   * shows only what is new. Once every participant has hidden it, it is purged.
   */
  async hideThread(threadId: number, address: string): Promise<{ purged: boolean }> {
    return this.#db.transaction().execute(async (trx) => {
      const thread = await trx.selectFrom('threads').select('last_message_id').where('id', '=', threadId).executeTakeFirstOrThrow()
      await trx
        .updateTable('thread_participants')
        .set({ hidden: 1, unread_count: 0, last_read_id: thread.last_message_id ?? 0 })
        .where('thread_id', '=', threadId)
        .where('address', '=', address)
        .execute()
      await trx.deleteFrom('inbox').where('thread_id', '=', threadId).where('address', '=', address).execute()
      const visible = await trx
        .selectFrom('thread_participants')
        .select('address')
        .where('thread_id', '=', threadId)
        .where('hidden', '=', 0)
        .limit(1)
        .executeTakeFirst()
      if (visible) return { purged: false }
      await trx.deleteFrom('threads').where('id', '=', threadId).execute()
      return { purged: true }
    })
  }

  /**
   * Moves a participant's read marker forward to `upTo` (never back) and recounts unread.
   * Returns the marker after the call and whether it moved. One conditional UPDATE, so of two
   * racing calls the later one re-checks its condition against the earlier one's commit and
   * cannot move the marker back (a read-then-write could, on PostgreSQL).
   */
  async markRead(
    threadId: number,
    address: string,
    upTo: number,
    /** Runs in the marker's transaction when it moved (it records the event). */
    recorded?: (trx: Transaction<object>, marker: ReadMarker) => Promise<void>,
  ): Promise<ReadMarker & { moved: boolean }> {
    const moved = await this.#db.transaction().execute(async (trx) => {
      const marker = await trx
        .updateTable('thread_participants')
        .set((eb) => ({
          last_read_id: upTo,
          unread_count: eb
            .selectFrom('messages')
            .select((count) => count.fn.countAll<number>().as('count'))
            .where('thread_id', '=', threadId)
            .where('id', '>', upTo)
            .where('sender', '<>', address),
        }))
        .where('thread_id', '=', threadId)
        .where('address', '=', address)
        .where('last_read_id', '<', upTo)
        .returning(['last_read_id', 'unread_count'])
        .executeTakeFirst()
      if (marker) await recorded?.(trx as unknown as Transaction<object>, marker)
      return marker
    })
    if (moved) return { ...moved, moved: true }
    const current = await this.#db
      .selectFrom('thread_participants')
      .select(['last_read_id', 'unread_count'])
      .where('thread_id', '=', threadId)
      .where('address', '=', address)
      .executeTakeFirstOrThrow()
    return { ...current, moved: false }
  }

  /**
   * When `address` opened its `nth` newest thread among those after `since`: once that one
   * exists the limit of `nth` is reached, and it says when a place frees up. Undefined below it.
   */
  async nthOpenedSince(address: string, since: string, nth: number): Promise<string | undefined> {
    const { rows } = await nthOpenedSince(this.#db, address, since, nth - 1)
    return rows[0]?.created_at
  }

  /** The threads `address` sees with an id after `afterId`, by id: a walk new messages do not reorder. */
  async threadsAfter(address: string, afterId: number, limit: number): Promise<ThreadRecord[]> {
    const rows = await threadQuery(this.#db, address).where('t.id', '>', afterId).orderBy('t.id').limit(limit).execute()
    return rows.map(toThreadRecord)
  }
}

/** The threads `address` takes part in and has not deleted, as ThreadRecord rows. */
function threadQuery(db: ChatDb, address: string) {
  return db
    .selectFrom('thread_participants as tp')
    .innerJoin('threads as t', 't.id', 'tp.thread_id')
    .leftJoin('shops as s', 's.id', 't.shop_id')
    .where('tp.address', '=', address)
    .where('tp.hidden', '=', 0)
    .select([
      't.id',
      't.uuid',
      't.shop_id',
      't.created_at',
      't.updated_at',
      't.last_message',
      't.last_message_id',
      't.message_count',
      'tp.unread_count',
      's.id as shop_ref',
      's.name as shop_name',
      's.url as shop_url',
    ])
}

const findVisibleThread = prepared((db: Kysely<ChatTables>, uuid: string, address: string) =>
  threadQuery(db, address)
    .where('t.uuid', '=', uuid)
    .innerJoin('thread_participants as p', 'p.thread_id', 't.id')
    .select(['p.address as participant', 'p.last_read_id as participant_read_id'])
    .orderBy('p.position'),
)

interface ThreadFilterShape {
  shopId: boolean
  shopUrl: boolean
}

function filteredThreads(db: ChatDb, shape: ThreadFilterShape, address: string, shopId?: number, shopUrl?: string) {
  let query = threadQuery(db, address)
  if (shape.shopId) query = query.where('t.shop_id', '=', shopId!)
  if (shape.shopUrl) query = query.where('s.url', '=', shopUrl!)
  return query
}

const countThreads = preparedShapes((db: Kysely<ChatTables>, shape: ThreadFilterShape, address: string, shopId?: number, shopUrl?: string) =>
  filteredThreads(db, shape, address, shopId, shopUrl)
    .clearSelect()
    .select((eb) => eb.fn.countAll().as('count')),
)

const inboxCount = prepared((db: Kysely<ChatTables>, address: string) =>
  db.selectFrom('inbox_counts').select('threads as count').where('address', '=', address),
)

/** Newest first; `reversed`, oldest first (a page nearer the end, turned back by the caller). */
const listThreads = preparedShapes(
  (
    db: Kysely<ChatTables>,
    shape: ThreadFilterShape & { reversed: boolean },
    address: string,
    shopId: number | undefined,
    shopUrl: string | undefined,
    limit: number,
    offset: number,
  ) => {
    const order = shape.reversed ? 'asc' : 'desc'
    return filteredThreads(db, shape, address, shopId, shopUrl).orderBy('tp.updated_at', order).orderBy('tp.thread_id', order).limit(limit).offset(offset)
  },
)

const nthOpenedSince = prepared((db: Kysely<ChatTables>, address: string, since: string, skip: number) =>
  db
    .selectFrom('threads')
    .select('created_at')
    .where('opened_by', '=', address)
    .where('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .limit(1)
    .offset(skip),
)

// One thread, or a page of the inbox (0 is no thread's id).
const participantsOfThreads = preparedList(
  (db: Kysely<ChatTables>, threadIds: readonly number[]) =>
    db
      .selectFrom('thread_participants')
      .select(['thread_id', 'address', 'last_read_id'])
      .where('thread_id', 'in', threadIds)
      .orderBy('thread_id')
      .orderBy('position'),
  0,
)

// Read from the index thread_participants_order alone (0 is no thread's id).
const addressesOfThreads = preparedList(
  (db: Kysely<ChatTables>, threadIds: readonly number[]) =>
    db.selectFrom('thread_participants').select(['thread_id', 'address']).where('thread_id', 'in', threadIds).orderBy('thread_id').orderBy('position'),
  0,
)

/** Each of `threadIds` with what `rows` hold of it, in their order (none for a thread without rows). */
function byThread<Row extends { thread_id: number }, T>(threadIds: readonly number[], rows: readonly Row[], pick: (row: Row) => T): Map<number, T[]> {
  const grouped = new Map<number, T[]>(threadIds.map((id) => [id, []]))
  for (const row of rows) grouped.get(row.thread_id)?.push(pick(row))
  return grouped
}

async function countUnread(db: ChatDb, threadId: number, address: string, afterId: number): Promise<number> {
  const { count } = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('thread_id', '=', threadId)
    .where('id', '>', afterId)
    .where('sender', '<>', address)
    .executeTakeFirstOrThrow()
  return Number(count)
}

/**
 * Spelled out rather than a rest and a spread: each of those copies through V8's slow path,
 * about 1 µs a row, more than reading the row.
 */
function toThreadRecord(
  row: Omit<ThreadRecord, 'shop' | 'participants'> & { shop_ref: number | null; shop_name: string | null; shop_url: string | null },
): ThreadRecord {
  return {
    id: row.id,
    uuid: row.uuid,
    shop: row.shop_ref === null ? null : { id: row.shop_ref, name: row.shop_name ?? '', url: row.shop_url ?? '' },
    shop_id: row.shop_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_message: row.last_message,
    last_message_id: row.last_message_id,
    message_count: row.message_count,
    unread_count: row.unread_count,
  }
}
