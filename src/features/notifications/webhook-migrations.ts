import type { Migration } from 'kysely'
import type { Engine } from '../../core/database/engine.js'
import { integerKey } from '../../core/database/migrations.js'

/** Webhook endpoints and their delivery log; they run after the shops', whose ids a filter names. */
export function webhookMigrations(engine: Engine): Record<string, Migration> {
  const { type: serial, autoIncrement } = integerKey(engine)
  return {
    '0014_webhooks': {
      async up(db) {
        await db.schema
          .createTable('webhook_endpoints')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('public_id', 'text', (c) => c.notNull().unique())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events', 'text', (c) => c.notNull())
          // A deleted shop takes the endpoints that watched only its threads.
          .addColumn('shop_id', 'integer', (c) => c.references('shops.id').onDelete('cascade'))
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('previous_secret', 'text')
          .addColumn('previous_secret_expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'text')
          .addColumn('disabled_reason', 'text')
          .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
          .execute()
        // "Which endpoints hear this event?": every recorded event asks, by its recipients.
        await db.schema.createIndex('webhook_endpoints_owner').on('webhook_endpoints').columns(['owner', 'id']).execute()
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text')
          .addColumn('retry_until', 'text', (c) => c.notNull())
          .addColumn('last_status_code', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .execute()
        // An endpoint's delivery log, newest first.
        await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute()
      },
    },
  }
}
