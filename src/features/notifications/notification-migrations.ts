import type { Migration } from 'kysely'

/** Preferences and mutes; they run after the chat's tables, whose threads a mute names. */
export function notificationMigrations(): Record<string, Migration> {
  return {
    '0013_notifications': {
      async up(db) {
        await db.schema
          .createTable('notification_settings')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('push', 'integer', (c) => c.notNull())
          .addColumn('email', 'integer', (c) => c.notNull())
          .addColumn('webhooks', 'integer', (c) => c.notNull())
          .addColumn('previews', 'integer', (c) => c.notNull())
          .addColumn('quiet_start', 'text')
          .addColumn('quiet_end', 'text')
          .addColumn('time_zone', 'text', (c) => c.notNull())
          .addColumn('digest_after_minutes', 'integer', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('thread_mutes')
          .addColumn('address', 'text', (c) => c.notNull())
          // A purged thread takes its mutes with it.
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('thread_uuid', 'text', (c) => c.notNull())
          .addColumn('muted_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('thread_mutes_pk', ['address', 'thread_id'])
          .execute()
        // "Who muted this thread?": every notification of it asks.
        await db.schema.createIndex('thread_mutes_thread').on('thread_mutes').columns(['thread_id', 'address']).execute()
      },
    },
  }
}
