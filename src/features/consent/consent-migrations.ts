import type { Migration } from 'kysely'

/** The consent tables; they run after the chat's, whose threads they name. */
export function consentMigrations(): Record<string, Migration> {
  return {
    '0007_consent': {
      async up(db) {
        await db.schema
          .createTable('consent_requests')
          // A purged thread takes its requests with it.
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('opener', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('consent_requests_pk', ['thread_id', 'address'])
          .execute()
        // "Which of my threads are requests, which declined?": every inbox listing asks it.
        await db.schema.createIndex('consent_requests_address').on('consent_requests').columns(['address', 'state']).execute()
        await db.schema
          .createTable('consent_settings')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('message_requests', 'integer', (c) => c.notNull())
          .addColumn('shop_requests', 'integer', (c) => c.notNull())
          .execute()
      },
    },
  }
}
