import { sql, type Kysely, type Transaction } from 'kysely'
import { isUniqueViolation, type MessageOrdering } from '../../core/database/database.js'
import { pageFromNearerEnd } from '../../core/database/page-from-end.js'
import { prepared, preparedShapes } from '../../core/database/prepared.js'
import type { ChatDb, ChatTables, MessageRemover } from './chat-tables.js'
import type { Participant } from './thread-repository.js'

export interface MessageRecord {
  id: number
  thread_id: number
  thread_uuid: string
  sender: string
  content: string
  timestamp: string
  edited_at: string | null
  deleted_by: MessageRemover | null
}

/** What every read of messages selects, as MessageRecord names it. */
const MESSAGE_COLUMNS = ['id', 'thread_id', 'sender', 'content', 'created_at as timestamp', 'edited_at', 'deleted_by'] as const

/**
 * A message row (MESSAGE_COLUMNS) with its thread's uuid, in JOINED_MESSAGE_COLUMNS' order, so
 * both reads give one shape. Spelled out: a spread with a property added (`{ ...row, thread_uuid }`)
 * copies through V8's slow path, about 1 µs a row.
 */
function inThread(row: Omit<MessageRecord, 'thread_uuid'>, threadUuid: string): MessageRecord {
  return {
    id: row.id,
    thread_id: row.thread_id,
    thread_uuid: threadUuid,
    sender: row.sender,
    content: row.content,
    timestamp: row.timestamp,
    edited_at: row.edited_at,
    deleted_by: row.deleted_by,
  }
}

const JOINED_MESSAGE_COLUMNS = [
  'm.id',
  'm.thread_id',
  't.uuid as thread_uuid',
  'm.sender',
  'm.content',
  'm.created_at as timestamp',
  'm.edited_at',
  'm.deleted_by',
] as const

export interface NewMessagesFilter {
  afterId?: number
  since?: string
}

/**
 * Messages and each recipient's inbox of them. A new message also moves its thread's summary
 * and every participant's order and unread count, in the same transaction.
 */
export class MessageRepository {
  readonly #db: Kysely<ChatTables>
  readonly #orderMessages: MessageOrdering

  /** `orderMessages` comes from openDatabase: it tells readers which ids are settled. */
  constructor(db: Kysely<object>, orderMessages: MessageOrdering) {
    this.#db = db.withTables<ChatTables>()
    this.#orderMessages = orderMessages
  }


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
    /**
     * Runs in the message's transaction right after its insert (it ties the attachments) and
     * says what the thread shows as its last message; throwing rolls the message back.
     */
    attach?: (trx: Transaction<object>, messageId: number) => Promise<{ preview: string }>
    /** Runs last in the message's transaction, with the message and its participants (it records the event). */
    recorded?: (trx: Transaction<object>, message: MessageRecord, participants: Participant[]) => Promise<void>
  }): Promise<{ message: MessageRecord; created: boolean; participants?: Participant[] }> {
    const { threadId, threadUuid, sender, content, clientId, now, attach, recorded } = message
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const existing = clientId === null ? undefined : await findByClientId(trx, threadId, sender, clientId)
        if (existing) return { message: inThread(existing, threadUuid), created: false }
        const claimed = await this.#orderMessages.claimId(trx)
        const { id } =
          claimed === undefined
            ? (await insertMessage(trx, threadId, sender, content, clientId, now)).rows[0]!
            : (await insertClaimedMessage(trx, claimed, threadId, sender, content, clientId, now)).rows[0]!
        // Kysely's types are invariant in the tables; the attachments see the same transaction as theirs.
        const preview = attach ? (await attach(trx as unknown as Transaction<object>, id)).preview : content
        await touchThread(trx, threadId, now, preview, id)
        const participants = (await touchParticipants(trx, threadId, sender, id, now)).rows
        await deliverToInboxes(trx, threadId, sender, id, now)
        const added = { id, thread_id: threadId, thread_uuid: threadUuid, sender, content, timestamp: now, edited_at: null, deleted_by: null }
        const current = participants.sort((a, b) => a.position - b.position).map((p) => ({ address: p.address, last_read_id: p.last_read_id }))
        await recorded?.(trx as unknown as Transaction<object>, added, current)
        return { message: added, created: true, participants: current }
      })
    } catch (error) {
      // A concurrent send with the same client_id won the race: answer with its message.
      const existing = isUniqueViolation(error) && clientId !== null ? await findByClientId(this.#db, threadId, sender, clientId) : undefined
      if (!existing) throw error
      return { message: inThread(existing, threadUuid), created: false }
    }
  }

  /** A message by id, in whatever thread, with its thread's uuid. */
  async find(id: number): Promise<MessageRecord | undefined> {
    return this.#db
      .selectFrom('messages as m')
      .innerJoin('threads as t', 't.id', 'm.thread_id')
      .select(JOINED_MESSAGE_COLUMNS)
      .where('m.id', '=', id)
      .executeTakeFirst()
  }

  /**
   * Replaces a message's wording and keeps the old one in `message_edits`, in one transaction:
   * an edit (`editedAt`) or a tombstone (`deletedBy`, empty content). The thread's preview
   * follows when it is the thread's last message; `detach` runs in the same transaction (a
   * tombstone's attachments).
   */
  async rewrite(
    message: MessageRecord,
    change: { content: string; preview: string; editedAt: string | null; deletedBy: MessageRemover | null; now: string },
    detach?: (trx: Transaction<object>) => Promise<void>,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      // Kysely's types are invariant in the tables; the attachments see the same transaction as theirs.
      await detach?.(trx as unknown as Transaction<object>)
      await trx.insertInto('message_edits').values({ message_id: message.id, content: message.content, replaced_at: change.now }).execute()
      await trx
        .updateTable('messages')
        .set({ content: change.content, edited_at: change.editedAt ?? message.edited_at, deleted_by: change.deletedBy })
        .where('id', '=', message.id)
        .execute()
      await trx
        .updateTable('threads')
        .set({ last_message: change.preview })
        .where('id', '=', message.thread_id)
        .where('last_message_id', '=', message.id)
        .execute()
    })
  }


  /** Messages `sender` has sent into the thread: what an opener has said before an answer. */
  async countSentBy(threadId: number, sender: string): Promise<number> {
    const { count } = await this.#db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('thread_id', '=', threadId)
      .where('sender', '=', sender)
      .executeTakeFirstOrThrow()
    return Number(count)
  }

  /** Whether anyone has ever sent `address` a message, in a thread it still takes part in. */
  async hasBeenAnswered(address: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('thread_participants as tp')
      .innerJoin('messages as m', 'm.thread_id', 'tp.thread_id')
      .select('m.id')
      .where('tp.address', '=', address)
      .where('m.sender', '<>', address)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
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
   * just before it), the newest `limit`, or by offset (read from the nearer end of the
   * thread's `message_count`, so the last page of a deep thread walks nothing).
   */
  async messages(
    thread: { id: number; uuid: string; message_count: number },
    slice: { afterId?: number; beforeId?: number; newest?: boolean; offset?: number; limit: number },
  ): Promise<MessageRecord[]> {
    const after = slice.afterId !== undefined
    const before = slice.beforeId !== undefined
    const window = slice.offset === undefined ? undefined : pageFromNearerEnd(thread.message_count, slice.limit, slice.offset)
    const newestFirst = slice.newest === true || (before && !after) || window?.reversed === true
    const { rows } = await sliceOfMessages(
      this.#db,
      { after, before, newestFirst },
      thread.id,
      slice.afterId ?? 0,
      slice.beforeId ?? 0,
      window?.limit ?? slice.limit,
      window?.offset ?? 0,
    )
    if (newestFirst) rows.reverse()
    return rows.map((row) => inThread(row, thread.uuid))
  }

  /** Whether messages exist past the given id in the given direction, for cursor links. */
  async hasMessagesBeyond(threadId: number, id: number, direction: 'after' | 'before'): Promise<boolean> {
    const { rows } = await messageBeyond(this.#db, { after: direction === 'after' }, threadId, id)
    return rows.length > 0
  }

  /**
   * Messages from others in the caller's threads, oldest first: after an id, after a time,
   * or (with neither) those past the caller's read markers.
   */
  async newMessages(address: string, filter: NewMessagesFilter, limit: number): Promise<{ count: number; messages: MessageRecord[] }> {
    const shape = { afterId: filter.afterId !== undefined, since: filter.since !== undefined }
    // As for a stream's replay: a client polling "after the last id" must not skip one in flight.
    const settled = await this.#orderMessages.settledBelow()
    const unread = !shape.afterId && !shape.since
    const [counted, { rows }] = await Promise.all([
      // Past the read markers, the count is what each thread keeps as unread (less any not yet settled).
      unread ? countUnread(this.#db, address, settled) : countNewMessages(this.#db, shape, address, filter.afterId ?? 0, filter.since ?? '', settled),
      newMessages(this.#db, shape, address, filter.afterId ?? 0, filter.since ?? '', settled, limit),
    ])
    return { count: Number(counted.rows[0]?.count ?? 0), messages: rows }
  }

  /**
   * Every message after `afterId` in the threads `address` sees, from anyone, oldest first:
   * what a resuming stream replays. Two index range scans (others' messages through the
   * inbox, the caller's own through messages_sender), each stopping at `limit`, merged.
   */
  async messagesAfter(address: string, afterId: number, limit: number): Promise<MessageRecord[]> {
    const columns = JOINED_MESSAGE_COLUMNS
    // Only settled ids: a client that resumes from the last one must not skip one still in flight.
    const settled = await this.#orderMessages.settledBelow()
    const [received, sent] = await Promise.all([
      this.#db
        .selectFrom('inbox as i')
        .innerJoin('messages as m', 'm.id', 'i.message_id')
        .innerJoin('threads as t', 't.id', 'i.thread_id')
        .where('i.address', '=', address)
        .where('i.message_id', '>', afterId)
        .where('i.message_id', '<=', settled)
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
        .where('m.id', '<=', settled)
        .where('tp.hidden', '=', 0)
        .select(columns)
        .orderBy('m.id')
        .limit(limit)
        .execute(),
    ])
    return [...received, ...sent].sort((a, b) => a.id - b.id).slice(0, limit)
  }

  /**
   * A commit-safe high-water mark: the highest message id such that every id up to it is
   * committed and visible, or never will be (`orderMessages.settledBelow`).
   */
  async highWater(): Promise<number> {
    const settled = await this.#orderMessages.settledBelow()
    const row = await this.#db.selectFrom('messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst()
    return Math.min(settled, Number(row?.id ?? 0))
  }

  /** Messages with ids in (`afterId`, `upTo`], in whatever thread, oldest first. */
  async messagesBetween(afterId: number, upTo: number, limit: number): Promise<MessageRecord[]> {
    return this.#db
      .selectFrom('messages as m')
      .innerJoin('threads as t', 't.id', 'm.thread_id')
      .select(JOINED_MESSAGE_COLUMNS)
      .where('m.id', '>', afterId)
      .where('m.id', '<=', upTo)
      .orderBy('m.id')
      .limit(limit)
      .execute()
  }

  /** The thread's messages among `ids`, oldest first; ids of other threads or of nothing are left out. */
  async messagesById(thread: { id: number; uuid: string }, ids: readonly number[]): Promise<MessageRecord[]> {
    if (ids.length === 0) return []
    const rows = await this.#db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('thread_id', '=', thread.id)
      .where('id', 'in', ids)
      .orderBy('id')
      .execute()
    return rows.map((row) => inThread(row, thread.uuid))
  }

}

const sliceOfMessages = preparedShapes(
  (
    db: Kysely<ChatTables>,
    shape: { after: boolean; before: boolean; newestFirst: boolean },
    threadId: number,
    afterId: number,
    beforeId: number,
    limit: number,
    offset: number,
  ) => {
    let query = db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('thread_id', '=', threadId)
    if (shape.after) query = query.where('id', '>', afterId)
    if (shape.before) query = query.where('id', '<', beforeId)
    return query.orderBy('id', shape.newestFirst ? 'desc' : 'asc').limit(limit).offset(offset)
  },
)

const messageBeyond = preparedShapes((db: Kysely<ChatTables>, shape: { after: boolean }, threadId: number, id: number) =>
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
function inboxOf(db: ChatDb, shape: NewMessagesShape, address: string, afterId: number, since: string, settled: number) {
  if (!shape.afterId && !shape.since) return unreadOf(db, address).where('i.message_id', '<=', settled)
  let query = db
    .selectFrom('inbox as i')
    .innerJoin('messages as m', 'm.id', 'i.message_id')
    .innerJoin('threads as t', 't.id', 'i.thread_id')
    .where('i.address', '=', address)
    .where('i.message_id', '<=', settled)
  if (shape.afterId) query = query.where('i.message_id', '>', afterId)
  if (shape.since) query = query.where('i.created_at', '>', since)
  return query
}

/**
 * The inbox rows past each read marker, from the threads with something unread
 * (thread_participants_unread), each by its own range of inbox_unread: an address in 50,000
 * threads, nearly all read, reads a few rows. The literal 0 lets the partial index serve (a
 * bound parameter would not), and the CROSS JOIN keeps SQLite from walking the whole inbox in
 * id order to spare a sort of the few (PostgreSQL plans a cross join with conditions freely).
 */
function unreadOf(db: ChatDb, address: string) {
  return db
    .selectFrom('thread_participants as tp')
    .crossJoin('inbox as i')
    .whereRef('i.thread_id', '=', 'tp.thread_id')
    .whereRef('i.address', '=', 'tp.address')
    .whereRef('i.message_id', '>', 'tp.last_read_id')
    .innerJoin('messages as m', 'm.id', 'i.message_id')
    .innerJoin('threads as t', 't.id', 'i.thread_id')
    .where('tp.address', '=', address)
    .where(sql<boolean>`tp.unread_count > 0`)
}

/** The threads' unread counts summed, less the unread messages past `settled` (still in flight elsewhere). */
const countUnread = prepared((db: Kysely<ChatTables>, address: string, settled: number) =>
  db
    .selectFrom('thread_participants as tp')
    .where('tp.address', '=', address)
    .where(sql<boolean>`tp.unread_count > 0`)
    .select((eb) =>
      eb(
        eb.fn.coalesce(eb.fn.sum<number>('tp.unread_count'), eb.lit(0)),
        '-',
        unreadOf(db, address)
          .where('i.message_id', '>', settled)
          .select((count) => count.fn.countAll<number>().as('unsettled')),
      ).as('count'),
    ),
)

const countNewMessages = preparedShapes((db: Kysely<ChatTables>, shape: NewMessagesShape, address: string, afterId: number, since: string, settled: number) =>
  inboxOf(db, shape, address, afterId, since, settled).select((eb) => eb.fn.countAll().as('count')),
)

const newMessages = preparedShapes(
  (db: Kysely<ChatTables>, shape: NewMessagesShape, address: string, afterId: number, since: string, settled: number, limit: number) =>
  inboxOf(db, shape, address, afterId, since, settled)
    .select(JOINED_MESSAGE_COLUMNS)
    .orderBy('i.message_id')
    .limit(limit),
)

const insertMessage = prepared((db: Kysely<ChatTables>, threadId: number, sender: string, content: string, clientId: string | null, now: string) =>
  db.insertInto('messages').values({ thread_id: threadId, sender, content, client_id: clientId, created_at: now }).returning('id'),
)

/** A message with the id its transaction claimed (MessageOrdering.claimId). */
const insertClaimedMessage = prepared(
  (db: Kysely<ChatTables>, id: number, threadId: number, sender: string, content: string, clientId: string | null, now: string) =>
    db.insertInto('messages').values({ id, thread_id: threadId, sender, content, client_id: clientId, created_at: now }).returning('id'),
)

const touchThread = prepared((db: Kysely<ChatTables>, threadId: number, now: string, content: string, id: number) =>
  db
    .updateTable('threads')
    .set((eb) => ({ updated_at: now, last_message: content, last_message_id: id, message_count: eb('message_count', '+', 1) }))
    .where('id', '=', threadId),
)

/**
 * A new message moves every participant's thread to the top and shows it again; the others
 * get one more unread, and the sender, replying, has read up to here. Returns the
 * participants as they are now, for the event and the message's read state.
 */
const touchParticipants = prepared((db: Kysely<ChatTables>, threadId: number, sender: string, id: number, now: string) =>
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

const deliverToInboxes = prepared((db: Kysely<ChatTables>, threadId: number, sender: string, id: number, now: string) =>
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

async function findByClientId(db: ChatDb, threadId: number, sender: string, clientId: string) {
  return db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('thread_id', '=', threadId)
    .where('sender', '=', sender)
    .where('client_id', '=', clientId)
    .executeTakeFirst()
}
