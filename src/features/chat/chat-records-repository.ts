import type { Kysely, Transaction } from 'kysely'
import type { ChatTables } from './chat-tables.js'

/** One thread's messages from others that an address has not read, past a point: a digest's line. */
export interface UnreadTally {
  thread_id: number
  thread_uuid: string
  shop_name: string | null
  unread: number
  newest_id: number
  oldest_at: string
}

/**
 * The chat's tables as a whole account and the retention policy meet them: counts and bulk
 * changes across every thread, each in one transaction. ChatRecords is its only user.
 */
export class ChatRecordsRepository {
  readonly #db: Kysely<ChatTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<ChatTables>()
  }

  /** How many messages `sender` has sent, in any thread (by the messages_sender index). */
  async countSentBy(sender: string): Promise<number> {
    const { count } = await this.#db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('sender', '=', sender)
      .executeTakeFirstOrThrow()
    return Number(count)
  }

  /**
   * Per thread of `address`, the standing messages from others it has not read with ids above
   * `afterId` (through its inbox, whose rows are its own): how many, the newest, the oldest's time.
   */
  async unreadSince(address: string, afterId: number): Promise<UnreadTally[]> {
    const rows = await this.#db
      .selectFrom('inbox as i')
      .innerJoin('thread_participants as p', (join) => join.onRef('p.thread_id', '=', 'i.thread_id').onRef('p.address', '=', 'i.address'))
      .innerJoin('messages as m', 'm.id', 'i.message_id')
      .innerJoin('threads as t', 't.id', 'i.thread_id')
      .leftJoin('shops as s', 's.id', 't.shop_id')
      .select((eb) => [
        'i.thread_id',
        't.uuid as thread_uuid',
        's.name as shop_name',
        eb.fn.countAll<number | string>().as('unread'),
        eb.fn.max('i.message_id').as('newest_id'),
        eb.fn.min('i.created_at').as('oldest_at'),
      ])
      .where('i.address', '=', address)
      .where('i.message_id', '>', afterId)
      .whereRef('i.message_id', '>', 'p.last_read_id')
      .where('m.deleted_by', 'is', null)
      .groupBy(['i.thread_id', 't.uuid', 's.name'])
      .orderBy('newest_id', 'desc')
      .execute()
    return rows.map((row) => ({ ...row, unread: Number(row.unread), newest_id: Number(row.newest_id), oldest_at: String(row.oldest_at) }))
  }

  /**
   * Tombstones every standing message of `sender` as its own deletion (content "", `deleted_by`
   * sender, `preview` for a thread whose last message it is) and forgets all their earlier
   * wordings, in one transaction; `detach` runs in it first (the uploads' records).
   */
  async eraseContentOf(sender: string, preview: string, detach: (trx: Transaction<object>) => Promise<void>): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      // Kysely's types are invariant in the tables; the attachments see the same transaction as theirs.
      await detach(trx as unknown as Transaction<object>)
      const standing = trx.selectFrom('messages').select('id').where('sender', '=', sender).where('deleted_by', 'is', null)
      await trx
        .updateTable('threads')
        .set({ last_message: preview })
        .where('id', 'in', trx.selectFrom('thread_participants').select('thread_id').where('address', '=', sender))
        .where('last_message_id', 'in', standing)
        .execute()
      await trx
        .deleteFrom('message_edits')
        .where('message_id', 'in', trx.selectFrom('messages').select('id').where('sender', '=', sender))
        .execute()
      await trx.updateTable('messages').set({ content: '', deleted_by: 'sender' }).where('sender', '=', sender).where('deleted_by', 'is', null).execute()
    })
  }

  /**
   * Deletes up to `limit` of the oldest messages sent before `before`, in one transaction:
   * `detach` first (their attachments' records), then the messages (their inbox rows cascade),
   * then the summaries that named them: each affected thread's last message becomes its newest
   * remaining one (or null), and its participants' unread counts are recounted. Returns how many.
   */
  async deleteOlderThan(before: string, limit: number, detach: (trx: Transaction<object>, messageIds: number[]) => Promise<void>): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      // Ids follow send order, so the oldest messages have the lowest: the first `limit` by primary
      // key are the candidates, and a pass with nothing to delete reads no more than that.
      const candidates = await trx.selectFrom('messages').select(['id', 'thread_id', 'created_at']).orderBy('id').limit(limit).execute()
      const doomed = candidates.filter((message) => message.created_at < before)
      if (doomed.length === 0) return 0
      const ids = doomed.map((message) => message.id)
      const threadIds = [...new Set(doomed.map((message) => message.thread_id))]
      await detach(trx as unknown as Transaction<object>, ids)
      await trx.deleteFrom('messages').where('id', 'in', ids).execute()
      await trx
        .updateTable('threads')
        .set((eb) => ({
          last_message_id: eb.selectFrom('messages as m').select((m) => m.fn.max('m.id').as('id')).whereRef('m.thread_id', '=', 'threads.id'),
          last_message: eb
            .selectFrom('messages as m')
            .select('m.content')
            .whereRef('m.thread_id', '=', 'threads.id')
            .orderBy('m.id', 'desc')
            .limit(1),
        }))
        .where('id', 'in', threadIds)
        .where('last_message_id', 'in', ids)
        .execute()
      await trx
        .updateTable('threads')
        .set((eb) => ({
          message_count: eb.selectFrom('messages as m').select((m) => m.fn.countAll<number>().as('count')).whereRef('m.thread_id', '=', 'threads.id'),
        }))
        .where('id', 'in', threadIds)
        .execute()
      await trx
        .updateTable('thread_participants')
        .set((eb) => ({
          unread_count: eb
            .selectFrom('messages as m')
            .select((m) => m.fn.countAll<number>().as('count'))
            .whereRef('m.thread_id', '=', 'thread_participants.thread_id')
            .whereRef('m.id', '>', 'thread_participants.last_read_id')
            .whereRef('m.sender', '<>', 'thread_participants.address'),
        }))
        .where('thread_id', 'in', threadIds)
        .execute()
      return ids.length
    })
  }
}
