import { sql, type Migration } from 'kysely'

/** The chat's tables after the baseline (core/database/baseline-migrations.ts). */
export function chatMigrations(): Record<string, Migration> {
  return {
    '0006_message_changes': {
      async up(db) {
        // Set when the sender edits a message; `deleted_by` names who tombstoned it.
        await db.schema.alterTable('messages').addColumn('edited_at', 'text').execute()
        await db.schema.alterTable('messages').addColumn('deleted_by', 'text').execute()
        // Every earlier wording of an edited or deleted message, kept for reports.
        await db.schema
          .createTable('message_edits')
          .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('replaced_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('message_edits_message').on('message_edits').columns(['message_id', 'replaced_at']).execute()
      },
    },
    '0008_thread_openers': {
      async up(db) {
        await db.schema.alterTable('threads').addColumn('opened_by', 'text').execute()
        // "How many threads has this address opened today?": asked when it opens one more.
        await db.schema.createIndex('threads_opened_by').on('threads').columns(['opened_by', 'created_at']).execute()
      },
    },
    '0010_thread_message_count': {
      async up(db) {
        // Kept in each send's transaction, so a message page needs no count over a deep thread.
        await db.schema.alterTable('threads').addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0)).execute()
        await sql`update threads set message_count = (select count(*) from messages where messages.thread_id = threads.id)`.execute(db)
      },
    },
  }
}
