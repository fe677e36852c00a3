import type { Migration } from 'kysely'
import type { Engine } from '../../core/database/engine.js'
import { integerKey } from '../../core/database/migrations.js'

/** Browsers' push subscriptions and the service's VAPID keys (docs/api.md §15.3). */
export function pushMigrations(engine: Engine): Record<string, Migration> {
  const { type: serial, autoIncrement } = integerKey(engine)
  return {
    '0015_push': {
      async up(db) {
        await db.schema
          .createTable('push_subscriptions')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('address', 'text', (c) => c.notNull())
          // One browser, one owner: subscribing it again moves it to whoever signed in last.
          .addColumn('endpoint', 'text', (c) => c.notNull().unique())
          .addColumn('p256dh', 'text', (c) => c.notNull())
          .addColumn('auth', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .execute()
        // Every push asks for the recipient's subscriptions.
        await db.schema.createIndex('push_subscriptions_address').on('push_subscriptions').columns(['address', 'id']).execute()
        await db.schema
          .createTable('notification_keys')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute()
      },
    },
  }
}
