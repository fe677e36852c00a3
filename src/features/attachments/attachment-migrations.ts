import { sql, type Migration } from 'kysely'
import type { Engine } from '../../core/database/engine.js'
import { integerKey } from '../../core/database/migrations.js'

/**
 * The attachments feature's schema, to run after the chat's own migrations (it references
 * `threads` and `messages`). The blob tables exist on PostgreSQL only: a single node keeps
 * blobs as files (`FilesystemBlobStore`).
 *
 * ```ts
 * export const MIGRATIONS = [baselineMigrations, attachmentMigrations]   // server.ts
 * ```
 */
export function attachmentMigrations(engine: Engine): Record<string, Migration> {
  const { type: serial, autoIncrement } = integerKey(engine)

  return {
    '0003_attachments': {
      async up(db) {
        await db.schema
          .createTable('attachments')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          // What the API shows: random, so one attachment's id tells nothing of another's.
          .addColumn('public_id', 'text', (c) => c.notNull().unique())
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('uploader', 'text', (c) => c.notNull())
          // Null from upload until a message is sent with it.
          .addColumn('message_id', 'integer', (c) => c.references('messages.id').onDelete('set null'))
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('image', 'file')`))
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('thumbnail_sha256', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute()
        await db.schema.createIndex('attachments_thread').on('attachments').column('thread_id').execute()
        // The sweep asks whether a blob is still named by any attachment before deleting it.
        await db.schema.createIndex('attachments_blob').on('attachments').column('sha256').execute()
        await db.schema.createIndex('attachments_thumbnail').on('attachments').column('thumbnail_sha256').execute()
        await db.schema.createIndex('attachments_uploader').on('attachments').columns(['uploader', 'created_at']).execute()
        // The sweep of uploads never sent with a message, oldest first.
        await db.schema
          .createIndex('attachments_unsent')
          .on('attachments')
          .column('created_at')
          .where(sql.ref('message_id'), 'is', null)
          .execute()

        await db.schema
          .createTable('attachment_keys')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('secret', 'text', (c) => c.notNull())
          .execute()

        if (engine !== 'postgres') return
        await db.schema
          .createTable('blobs')
          .addColumn('sha256', 'text', (c) => c.primaryKey())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('blob_chunks')
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('data', 'bytea', (c) => c.notNull())
          .addPrimaryKeyConstraint('blob_chunks_pk', ['sha256', 'seq'])
          .execute()
        // Pictures and archives are compressed already: storing them uncompressed saves the
        // futile attempt and lets a range read only the bytes it needs.
        await sql`alter table blob_chunks alter column data set storage external`.execute(db)
      },
    },
    '0017_attachments_by_thread_message': {
      // A page of a thread's messages finds its attachments in one range of this index; a
      // list of message ids took one lookup each, after SQLite had built a temporary index of them.
      async up(db) {
        await db.schema.createIndex('attachments_thread_message').on('attachments').columns(['thread_id', 'message_id']).execute()
        await db.schema.dropIndex('attachments_thread').execute()
      },
    },
  }
}
