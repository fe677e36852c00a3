import { sql, type Migration } from 'kysely'
import type { Engine } from '../../core/database/engine.js'
import { integerKey } from '../../core/database/migrations.js'

/**
 * The moderation feature's schema. No table references the chat's: a report must outlive the
 * thread and messages it is about.
 *
 * ```ts
 * export const MIGRATIONS = [baselineMigrations, attachmentMigrations, moderationMigrations]   // server.ts
 * ```
 */
export function moderationMigrations(engine: Engine): Record<string, Migration> {
  const { type: serial, autoIncrement } = integerKey(engine)

  return {
    '0004_moderation': {
      async up(db) {
        await db.schema
          .createTable('reports')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('thread_uuid', 'text', (c) => c.notNull())
          .addColumn('reporter', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'resolved')`))
          .addColumn('snapshot', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('resolved_by', 'text')
          .addColumn('resolved_at', 'text')
          .addColumn('resolution', 'text')
          .execute()
        // The moderators' queue: by status, newest first.
        await db.schema.createIndex('reports_status').on('reports').columns(['status', 'id']).execute()

        await db.schema
          .createTable('suspensions')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('suspended_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('until', 'text')
          .addColumn('lifted_by', 'text')
          .addColumn('lifted_at', 'text')
          .execute()
        // Every sign-in asks whether its address is suspended.
        await db.schema.createIndex('suspensions_address').on('suspensions').columns(['address', 'lifted_at']).execute()

        await db.schema
          .createTable('moderation_audit')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('moderator', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('details', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
      },
    },
  }
}
