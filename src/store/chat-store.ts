import { sql, type Kysely, type Transaction } from 'kysely'
import { Conflict } from '../domain/errors.js'
import { isUniqueViolation } from './database.js'
import { prepared, preparedShapes } from './prepared.js'
import type { Database } from './schema.js'

export interface ShopRecord {
  id: number
  name: string
  url: string
  owner_address: string
  created_at: string
}

export interface MessageRecord {
  id: number
  thread_id: number
  thread_uuid: string
  sender: string
  content: string
  timestamp: string
}

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
  unread_count: number
}

export interface Participant {
  address: string
  last_read_id: number
}

export interface ThreadListFilter {
  shopId?: number
  shopUrl?: string
}

export interface NewMessagesFilter {
  afterId?: number
  since?: string
}

export interface ReadMarker {
  last_read_id: number
  unread_count: number
}

type Db = Kysely<Database> | Transaction<Database>

/**
 * Every query the service runs, and nothing else speaks SQL. Methods take and return plain
 * values; each write that touches several tables runs in one transaction. All SQL here is
 * dialect-neutral, so the same code serves SQLite and PostgreSQL.
 */
export class ChatStore {
  readonly #db: Kysely<Database>
  readonly #orderMessages: (trx: Transaction<Database>) => Promise<void>

  /** `orderMessages` comes from openDatabase: it keeps message ids committing in order. */
  constructor(db: Kysely<Database>, orderMessages: (trx: Transaction<Database>) => Promise<void> = async () => {}) {
    this.#db = db
    this.#orderMessages = orderMessages
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db)
  }

  // ---- sign-in ----

  async saveChallenge(messageHash: string, address: string, expiresAt: string): Promise<void> {
    await this.#db.insertInto('challenges').values({ message_hash: messageHash, address, expires_at: expiresAt }).execute()
  }

  /** Deletes the challenge and reports whether it was there, for that address, unexpired: single use. */
  async consumeChallenge(messageHash: string, address: string, now: string): Promise<boolean> {
    const deleted = await this.#db
      .deleteFrom('challenges')
      .where('message_hash', '=', messageHash)
      .where('address', '=', address)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return deleted.numDeletedRows > 0n
  }

  async saveToken(tokenHash: string, address: string, expiresAt: string): Promise<void> {
    await this.#db.insertInto('tokens').values({ token_hash: tokenHash, address, expires_at: expiresAt }).execute()
  }

  async findToken(tokenHash: string, now: string): Promise<{ address: string; expires_at: string } | undefined> {
    return (await findToken(this.#db, tokenHash, now)).rows[0]
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('tokens').where('token_hash', '=', tokenHash).execute()
  }

  async purgeExpired(now: string): Promise<void> {
    await this.#db.deleteFrom('challenges').where('expires_at', '<=', now).execute()
    await this.#db.deleteFrom('tokens').where('expires_at', '<=', now).execute()
  }

  // ---- shops ----

  async createShop(shop: Omit<ShopRecord, 'id'> & { slug: string }): Promise<ShopRecord> {
    try {
      const { id } = await this.#db.insertInto('shops').values(shop).returning('id').executeTakeFirstOrThrow()
      return { id, name: shop.name, url: shop.url, owner_address: shop.owner_address, created_at: shop.created_at }
    } catch (error) {
      throw isUniqueViolation(error) ? new Conflict('A shop with this URL already exists.') : error
    }
  }

  async getShop(id: number): Promise<ShopRecord | undefined> {
    return this.#db
      .selectFrom('shops')
      .select(['id', 'name', 'url', 'owner_address', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst()
  }

  async listShops(search: string | undefined, limit: number, offset: number): Promise<{ count: number; shops: ShopRecord[] }> {
    let query = this.#db.selectFrom('shops')
    if (search) {
      const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      query = query.where(
        sql<boolean>`(lower(name) like ${pattern} escape '\\' or url like ${pattern} escape '\\')`,
      )
    }
    const [{ count }, shops] = await Promise.all([
      query.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      query
        .select(['id', 'name', 'url', 'owner_address', 'created_at'])
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute(),
    ])
    return { count: Number(count), shops }
  }

  async updateShop(id: number, changes: { name?: string; url?: string; slug?: string }): Promise<void> {
    if (Object.keys(changes).length === 0) return
    try {
      await this.#db.updateTable('shops').set(changes).where('id', '=', id).execute()
    } catch (error) {
      throw isUniqueViolation(error) ? new Conflict('A shop with this URL already exists.') : error
    }
  }

  async deleteShop(id: number): Promise<void> {
    await this.#db.deleteFrom('shops').where('id', '=', id).execute()
  }

  // ---- threads ----

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
    now: string
  }): Promise<{ id: number; uuid: string; created: boolean }> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('threads')
          .values({
            uuid: thread.uuid,
            participant_key: thread.key,
            shop_id: thread.shopId,
            created_at: thread.now,
            updated_at: thread.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await trx
          .insertInto('thread_participants')
          .values(thread.participants.map((address, position) => ({ thread_id: id, address, position, updated_at: thread.now })))
          .execute()
        return { id, uuid: thread.uuid, created: true }
      })
    } catch (error) {
      const existing = isUniqueViolation(error) ? await this.findThreadByKey(thread.key) : undefined
      if (!existing) throw error
      return { ...existing, created: false }
    }
  }

  /** The thread if `address` takes part in it and has not deleted it; else undefined. */
  async findVisibleThread(uuid: string, address: string): Promise<ThreadRecord | undefined> {
    const row = (await findVisibleThread(this.#db, uuid, address)).rows[0]
    return row && toThreadRecord(row)
  }

  /** The caller's threads, most recently updated first. */
  async listThreads(
    address: string,
    filter: ThreadListFilter,
    limit: number,
    offset: number,
  ): Promise<{ count: number; threads: ThreadRecord[] }> {
    const shape = { shopId: filter.shopId !== undefined, shopUrl: filter.shopUrl !== undefined }
    const [counted, { rows }] = await Promise.all([
      countThreads(this.#db, shape, address, filter.shopId, filter.shopUrl),
      listThreads(this.#db, shape, address, filter.shopId, filter.shopUrl, limit, offset),
    ])
    return { count: Number(counted.rows[0]?.count ?? 0), threads: rows.map(toThreadRecord) }
  }

  /** Participants of each thread, in creation order, with their read markers. */
  async participants(threadIds: readonly number[]): Promise<Map<number, Participant[]>> {
    const byThread = new Map<number, Participant[]>(threadIds.map((id) => [id, []]))
    if (threadIds.length === 0) return byThread
    // One thread is the common case (every thread view, every send): that query is prepared.
    const rows =
      threadIds.length === 1
        ? (await participantsOfThread(this.#db, threadIds[0]!)).rows
        : await participantsQuery(this.#db).where('thread_id', 'in', threadIds).execute()
    for (const row of rows) byThread.get(row.thread_id)?.push({ address: row.address, last_read_id: row.last_read_id })
    return byThread
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

  // ---- messages ----

  /**
   * Appends a message and updates everything that depends on it in one transaction: the
   * thread's summary, each participant's order and unread count, the recipients' inboxes.
   * With a `clientId` already used by this sender in this thread, returns that message
   * instead (`created: false`).
   */
  async addMessage(message: {
    threadId: number
    threadUuid: string
    sender: string
    content: string
    clientId: string | null
    now: string
  }): Promise<{ message: MessageRecord; created: boolean; participants?: Participant[] }> {
    const { threadId, threadUuid, sender, content, clientId, now } = message
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const existing = clientId === null ? undefined : await findByClientId(trx, threadId, sender, clientId)
        if (existing) return { message: { ...existing, thread_uuid: threadUuid }, created: false }
        await this.#orderMessages(trx)

        const { id } = (await insertMessage(trx, threadId, sender, content, clientId, now)).rows[0]!
        await touchThread(trx, threadId, now, content, id)
        const participants = (await touchParticipants(trx, threadId, sender, id, now)).rows
        await deliverToInboxes(trx, threadId, sender, id, now)
        return {
          message: { id, thread_id: threadId, thread_uuid: threadUuid, sender, content, timestamp: now },
          created: true,
          participants: participants
            .sort((a, b) => a.position - b.position)
            .map((p) => ({ address: p.address, last_read_id: p.last_read_id })),
        }
      })
    } catch (error) {
      // A concurrent send with the same client_id won the race: answer with its message.
      const existing = isUniqueViolation(error) && clientId !== null ? await findByClientId(this.#db, threadId, sender, clientId) : undefined
      if (!existing) throw error
      return { message: { ...existing, thread_uuid: threadUuid }, created: false }
    }
  }

  async countMessages(threadId: number): Promise<number> {
    return Number((await countMessages(this.#db, threadId)).rows[0]?.count ?? 0)
  }

  async hasMessage(threadId: number, messageId: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom('messages')
      .select('id')
      .where('thread_id', '=', threadId)
      .where('id', '=', messageId)
      .executeTakeFirst()
    return row !== undefined
  }

  /**
   * A slice of a thread's messages, oldest first: after an id, before an id (the `limit`
   * just before it), the newest `limit`, or by offset.
   */
  async messages(
    thread: { id: number; uuid: string },
    slice: { afterId?: number; beforeId?: number; newest?: boolean; offset?: number; limit: number },
  ): Promise<MessageRecord[]> {
    const after = slice.afterId !== undefined
    const before = slice.beforeId !== undefined
    const newestFirst = slice.newest === true || (before && !after)
    const { rows } = await sliceOfMessages(
      this.#db,
      { after, before, newestFirst },
      thread.id,
      slice.afterId ?? 0,
      slice.beforeId ?? 0,
      slice.limit,
      slice.offset ?? 0,
    )
    if (newestFirst) rows.reverse()
    return rows.map((row) => ({ ...row, thread_uuid: thread.uuid }))
  }

  /** Whether messages exist past the given id in the given direction, for cursor links. */
  async hasMessagesBeyond(threadId: number, id: number, direction: 'after' | 'before'): Promise<boolean> {
    const { rows } = await messageBeyond(this.#db, { after: direction === 'after' }, threadId, id)
    return rows.length > 0
  }

  /**
   * Moves a participant's read marker forward to `upTo` (never back) and recounts unread.
   * Returns the marker after the call and whether it moved. One conditional UPDATE, so of two
   * racing calls the later one re-checks its condition against the earlier one's commit and
   * cannot move the marker back (a read-then-write could, on PostgreSQL).
   */
  async markRead(threadId: number, address: string, upTo: number): Promise<ReadMarker & { moved: boolean }> {
    const moved = await this.#db
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
   * Messages from others in the caller's threads, oldest first: after an id, after a time,
   * or (with neither) those past the caller's read markers.
   */
  async newMessages(address: string, filter: NewMessagesFilter, limit: number): Promise<{ count: number; messages: MessageRecord[] }> {
    const shape = { afterId: filter.afterId !== undefined, since: filter.since !== undefined }
    const [counted, { rows }] = await Promise.all([
      countNewMessages(this.#db, shape, address, filter.afterId ?? 0, filter.since ?? ''),
      newMessages(this.#db, shape, address, filter.afterId ?? 0, filter.since ?? '', limit),
    ])
    return { count: Number(counted.rows[0]?.count ?? 0), messages: rows }
  }

  /**
   * Every message after `afterId` in the threads `address` sees, from anyone, oldest first:
   * what a resuming stream replays. Two index range scans (others' messages through the
   * inbox, the caller's own through messages_sender), each stopping at `limit`, merged.
   */
  async messagesAfter(address: string, afterId: number, limit: number): Promise<MessageRecord[]> {
    const columns = ['m.id', 'm.thread_id', 't.uuid as thread_uuid', 'm.sender', 'm.content', 'm.created_at as timestamp'] as const
    const [received, sent] = await Promise.all([
      this.#db
        .selectFrom('inbox as i')
        .innerJoin('messages as m', 'm.id', 'i.message_id')
        .innerJoin('threads as t', 't.id', 'i.thread_id')
        .where('i.address', '=', address)
        .where('i.message_id', '>', afterId)
        .select(columns)
        .orderBy('i.message_id')
        .limit(limit)
        .execute(),
      this.#db
        .selectFrom('messages as m')
        .innerJoin('thread_participants as tp', (join) =>
          join.onRef('tp.thread_id', '=', 'm.thread_id').onRef('tp.address', '=', 'm.sender'),
        )
        .innerJoin('threads as t', 't.id', 'm.thread_id')
        .where('m.sender', '=', address)
        .where('m.id', '>', afterId)
        .where('tp.hidden', '=', 0)
        .select(columns)
        .orderBy('m.id')
        .limit(limit)
        .execute(),
    ])
    return [...received, ...sent].sort((a, b) => a.id - b.id).slice(0, limit)
  }
}

// The hottest queries, compiled once (see prepared.ts); the rest are built per call.

const findToken = prepared((db, tokenHash: string, now: string) =>
  db.selectFrom('tokens').select(['address', 'expires_at']).where('token_hash', '=', tokenHash).where('expires_at', '>', now),
)

/** The threads `address` takes part in and has not deleted, as ThreadRecord rows. */
function threadQuery(db: Db, address: string) {
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
      'tp.unread_count',
      's.id as shop_ref',
      's.name as shop_name',
      's.url as shop_url',
    ])
}

const findVisibleThread = prepared((db, uuid: string, address: string) => threadQuery(db, address).where('t.uuid', '=', uuid))

interface ThreadFilterShape {
  shopId: boolean
  shopUrl: boolean
}

function filteredThreads(db: Db, shape: ThreadFilterShape, address: string, shopId?: number, shopUrl?: string) {
  let query = threadQuery(db, address)
  if (shape.shopId) query = query.where('t.shop_id', '=', shopId!)
  if (shape.shopUrl) query = query.where('s.url', '=', shopUrl!)
  return query
}

const countThreads = preparedShapes((db, shape: ThreadFilterShape, address: string, shopId?: number, shopUrl?: string) =>
  filteredThreads(db, shape, address, shopId, shopUrl)
    .clearSelect()
    .select((eb) => eb.fn.countAll().as('count')),
)

const listThreads = preparedShapes(
  (db, shape: ThreadFilterShape, address: string, shopId: number | undefined, shopUrl: string | undefined, limit: number, offset: number) =>
    filteredThreads(db, shape, address, shopId, shopUrl).orderBy('tp.updated_at', 'desc').orderBy('tp.thread_id', 'desc').limit(limit).offset(offset),
)

function participantsQuery(db: Db) {
  return db.selectFrom('thread_participants').select(['thread_id', 'address', 'last_read_id']).orderBy('thread_id').orderBy('position')
}

const participantsOfThread = prepared((db, threadId: number) => participantsQuery(db).where('thread_id', '=', threadId))

const countMessages = prepared((db, threadId: number) =>
  db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('thread_id', '=', threadId),
)

const sliceOfMessages = preparedShapes(
  (
    db,
    shape: { after: boolean; before: boolean; newestFirst: boolean },
    threadId: number,
    afterId: number,
    beforeId: number,
    limit: number,
    offset: number,
  ) => {
    let query = db
      .selectFrom('messages')
      .select(['id', 'thread_id', 'sender', 'content', 'created_at as timestamp'])
      .where('thread_id', '=', threadId)
    if (shape.after) query = query.where('id', '>', afterId)
    if (shape.before) query = query.where('id', '<', beforeId)
    return query.orderBy('id', shape.newestFirst ? 'desc' : 'asc').limit(limit).offset(offset)
  },
)

const messageBeyond = preparedShapes((db, shape: { after: boolean }, threadId: number, id: number) =>
  db
    .selectFrom('messages')
    .select('id')
    .where('thread_id', '=', threadId)
    .where('id', shape.after ? '>' : '<', id)
    .limit(1),
)

interface NewMessagesShape {
  afterId: boolean
  since: boolean
}

/** Others' messages to `address`: after an id, after a time, or (with neither) past its read markers. */
function inboxOf(db: Db, shape: NewMessagesShape, address: string, afterId: number, since: string) {
  let query = db
    .selectFrom('inbox as i')
    .innerJoin('messages as m', 'm.id', 'i.message_id')
    .innerJoin('threads as t', 't.id', 'i.thread_id')
    .where('i.address', '=', address)
  if (shape.afterId) query = query.where('i.message_id', '>', afterId)
  if (shape.since) query = query.where('i.created_at', '>', since)
  if (!shape.afterId && !shape.since) {
    query = query
      .innerJoin('thread_participants as tp', (join) => join.onRef('tp.thread_id', '=', 'i.thread_id').onRef('tp.address', '=', 'i.address'))
      .whereRef('i.message_id', '>', 'tp.last_read_id')
  }
  return query
}

const countNewMessages = preparedShapes((db, shape: NewMessagesShape, address: string, afterId: number, since: string) =>
  inboxOf(db, shape, address, afterId, since).select((eb) => eb.fn.countAll().as('count')),
)

const newMessages = preparedShapes((db, shape: NewMessagesShape, address: string, afterId: number, since: string, limit: number) =>
  inboxOf(db, shape, address, afterId, since)
    .select(['m.id', 'm.thread_id', 't.uuid as thread_uuid', 'm.sender', 'm.content', 'm.created_at as timestamp'])
    .orderBy('i.message_id')
    .limit(limit),
)

const insertMessage = prepared((db, threadId: number, sender: string, content: string, clientId: string | null, now: string) =>
  db.insertInto('messages').values({ thread_id: threadId, sender, content, client_id: clientId, created_at: now }).returning('id'),
)

const touchThread = prepared((db, threadId: number, now: string, content: string, id: number) =>
  db.updateTable('threads').set({ updated_at: now, last_message: content, last_message_id: id }).where('id', '=', threadId),
)

/**
 * A new message moves every participant's thread to the top and shows it again; the others
 * get one more unread, and the sender, replying, has read up to here. Returns the
 * participants as they are now, for the event and the message's read state.
 */
const touchParticipants = prepared((db, threadId: number, sender: string, id: number, now: string) =>
  db
    .updateTable('thread_participants')
    .set((eb) => ({
      updated_at: now,
      hidden: 0,
      unread_count: eb.case().when('address', '=', sender).then(0).else(eb('unread_count', '+', 1)).end(),
      last_read_id: eb.case().when('address', '=', sender).then(id).else(eb.ref('last_read_id')).end(),
    }))
    .where('thread_id', '=', threadId)
    .returning(['address', 'position', 'last_read_id']),
)

const deliverToInboxes = prepared((db, threadId: number, sender: string, id: number, now: string) =>
  db
    .insertInto('inbox')
    .expression(
      db
        .selectFrom('thread_participants')
        .select((eb) => ['address', eb.val(id).as('message_id'), 'thread_id', eb.val(now).as('created_at')])
        .where('thread_id', '=', threadId)
        .where('address', '<>', sender),
    ),
)

async function findByClientId(db: Db, threadId: number, sender: string, clientId: string) {
  return db
    .selectFrom('messages')
    .select(['id', 'thread_id', 'sender', 'content', 'created_at as timestamp'])
    .where('thread_id', '=', threadId)
    .where('sender', '=', sender)
    .where('client_id', '=', clientId)
    .executeTakeFirst()
}

async function countUnread(db: Db, threadId: number, address: string, afterId: number): Promise<number> {
  const { count } = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('thread_id', '=', threadId)
    .where('id', '>', afterId)
    .where('sender', '<>', address)
    .executeTakeFirstOrThrow()
  return Number(count)
}

function toThreadRecord(
  row: Omit<ThreadRecord, 'shop'> & { shop_ref: number | null; shop_name: string | null; shop_url: string | null },
): ThreadRecord {
  const { shop_ref, shop_name, shop_url, ...thread } = row
  const shop = shop_ref === null ? null : { id: shop_ref, name: shop_name ?? '', url: shop_url ?? '' }
  return { ...thread, shop }
}
