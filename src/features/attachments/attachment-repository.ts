import { sql, type Kysely, type Transaction } from 'kysely'
import { prepared, preparedList } from '../../core/database/prepared.js'
import type { AttachmentTable, AttachmentTables } from './attachment-tables.js'

export type AttachmentRecord = Omit<AttachmentTable, 'id'> & { id: number }
export type NewAttachment = Omit<AttachmentTable, 'id' | 'message_id'>

/** Attachment records and the URL-signing key; the bytes themselves live in a BlobStore. */
export class AttachmentRepository {
  readonly #db: Kysely<AttachmentTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<AttachmentTables>()
  }

  async create(attachment: NewAttachment): Promise<void> {
    await this.#db.insertInto('attachments').values({ ...attachment, message_id: null }).execute()
  }

  async find(publicId: string): Promise<AttachmentRecord | undefined> {
    return this.#db.selectFrom('attachments').selectAll().where('public_id', '=', publicId).executeTakeFirst()
  }

  /** The attachments of each message, in upload order. */
  async ofMessages(messageIds: readonly number[]): Promise<AttachmentRecord[]> {
    if (messageIds.length === 0) return []
    return (await ofMessages(this.#db, messageIds)).rows
  }

  /** The attachments of a thread's messages with ids from `fromId` to `toId`. */
  async ofThreadMessages(threadId: number, fromId: number, toId: number): Promise<AttachmentRecord[]> {
    return (await ofThreadMessages(this.#db, threadId, fromId, toId)).rows
  }

  /**
   * Ties unsent uploads of `uploader` in `threadId` to a new message, inside the message's own
   * transaction (so a message never points at an attachment that is not there, and a rolled
   * back message frees them again). Returns the records it claimed.
   */
  async claim(
    trx: Transaction<object>,
    claim: { publicIds: readonly string[]; threadId: number; uploader: string; messageId: number },
  ): Promise<AttachmentRecord[]> {
    const db = trx.withTables<AttachmentTables>()
    await db
      .updateTable('attachments')
      .set({ message_id: claim.messageId })
      .where('public_id', 'in', claim.publicIds)
      .where('thread_id', '=', claim.threadId)
      .where('uploader', '=', claim.uploader)
      .where('message_id', 'is', null)
      .execute()
    return db.selectFrom('attachments').selectAll().where('message_id', '=', claim.messageId).orderBy('id').execute()
  }

  /** Bytes `uploader` stored since `since`: what the daily quota counts. */
  async bytesUploadedSince(uploader: string, since: string): Promise<number> {
    const { total } = await this.#db
      .selectFrom('attachments')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('total'))
      .where('uploader', '=', uploader)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow()
    return Number(total)
  }

  /** Deletes uploads never sent before `before`; returns the blobs they named. */
  async deleteUnsent(before: string): Promise<string[]> {
    const rows = await this.#db
      .deleteFrom('attachments')
      .where('message_id', 'is', null)
      .where('created_at', '<', before)
      .returning(['sha256', 'thumbnail_sha256'])
      .execute()
    return rows.flatMap((row) => [row.sha256, row.thumbnail_sha256 ?? []].flat())
  }

  /** Whether any attachment, of any thread, still names this blob (the same bytes are stored once). */
  async isBlobUsed(sha256: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('attachments')
      .select('id')
      .where((eb) => eb.or([eb('sha256', '=', sha256), eb('thumbnail_sha256', '=', sha256)]))
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** The signing key named `name`, made from `generate()` by whichever node asks first. */
  async signingKey(name: string, generate: () => string): Promise<string> {
    await this.#db
      .insertInto('attachment_keys')
      .values({ name, secret: generate() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    const { secret } = await this.#db.selectFrom('attachment_keys').select('secret').where('name', '=', name).executeTakeFirstOrThrow()
    return secret
  }

  /** `uploader`'s uploads after the id `afterId`, by id: an export pages through them. */
  async uploadsOf(uploader: string, afterId: number, limit: number) {
    return this.#db
      .selectFrom('attachments')
      .select(['id', 'public_id', 'name', 'content_type', 'size', 'created_at'])
      .where('uploader', '=', uploader)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  /** Deletes every upload of `uploader`, sent or not, in the caller's transaction. */
  async deleteUploadsOf(trx: Transaction<object>, uploader: string): Promise<void> {
    await trx.withTables<AttachmentTables>().deleteFrom('attachments').where('uploader', '=', uploader).execute()
  }

  /** Deletes the attachments of these messages, in the transaction that deletes the messages. */
  async deleteOfMessages(trx: Transaction<object>, messageIds: readonly number[]): Promise<void> {
    if (messageIds.length === 0) return
    await trx.withTables<AttachmentTables>().deleteFrom('attachments').where('message_id', 'in', messageIds).execute()
  }
}

// Every page of a thread's messages asks it.
const ofThreadMessages = prepared((db: Kysely<AttachmentTables>, threadId: number, fromId: number, toId: number) =>
  db
    .selectFrom('attachments')
    .selectAll()
    .where('thread_id', '=', threadId)
    .where('message_id', '>=', fromId)
    .where('message_id', '<=', toId)
    .orderBy('message_id')
    .orderBy('id'),
)

// Views of messages from several threads ask it, for their ids (0 is no message's id).
const ofMessages = preparedList(
  (db: Kysely<AttachmentTables>, messageIds: readonly number[]) =>
    db.selectFrom('attachments').selectAll().where('message_id', 'in', messageIds).orderBy('message_id').orderBy('id'),
  0,
)
