import type { Migration } from 'kysely'
import type { Engine } from '../database/engine.js'
import { integerKey } from '../database/migrations.js'

/** The durable job queue's table (JobQueue); features put their work in it by queue name. */
export function jobMigrations(engine: Engine): Record<string, Migration> {
  const { type: serial, autoIncrement } = integerKey(engine)
  return {
    '0012_jobs': {
      async up(db) {
        await db.schema
          .createTable('jobs')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('queue', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('run_at', 'text', (c) => c.notNull())
          // Whoever holds the job until then; a crash lets the lease run out and frees it.
          .addColumn('lease_until', 'text')
          .addColumn('lease_token', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        // A claim reads the due jobs of one queue in order.
        await db.schema.createIndex('jobs_due').on('jobs').columns(['queue', 'run_at', 'id']).execute()
      },
    },
  }
}
