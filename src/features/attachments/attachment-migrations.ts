import { sql, type Kysely, type Migration } from 'kysely'
import type { Engine } from '../../store/database.js'

/**
 * The attachments feature's schema, to run after the chat's own migrations (it references
 * `threads` and `messages`). The blob tables exist on PostgreSQL only: a single node keeps
 * blobs as files (`FilesystemBlobStore`).
 *
 * ```ts
 * // In the record the Migrator's provider returns, after '0002_stream_replay':
 * return { '0001_initial': …, '0002_stream_replay': …, ...attachmentMigrations(engine) }
 * ```
 */
export function attachmentMigrations(engine: Engine): Record<string, Migration> {
  // The one engine difference: how an integer key is generated.
  const serial = engine === 'postgres' ? 'serial' : 'integer'
  const autoIncrement = engine === 'sqlite'

  return {
    '0003_attachments': {
      async up(db: Kysely<any>) {
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
        await db.schema.createIndex('attachments_uploader').on('attachments').columns(['uploader', 'created_at']).execute()
        // The sweep of uploads never sent with a message, oldest first.
        await db.schema
          .createIndex('attachments_unsent')
          .on('attachments')
          .column('created_at')
          .where(sql.ref('message_id'), 'is', null)
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
  }
}
