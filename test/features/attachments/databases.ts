import type { Kysely } from 'kysely'
import { attachmentMigrations } from '../../../src/features/attachments/attachment-migrations.js'
import { openDatabase, type Engine } from '../../../src/store/database.js'
import { postgresSchema } from '../../helpers/postgres.js'

export interface AttachmentDatabase {
  readonly db: Kysely<any>
  readonly engine: Engine
  close(): Promise<void>
}

/**
 * A fresh database on `engine` (in-memory SQLite, or a PostgreSQL schema of its own) with the
 * chat's schema and the attachments migration on top, as the server will run them.
 */
export async function openAttachmentDatabase(engine: Engine): Promise<AttachmentDatabase> {
  const schema = engine === 'postgres' ? await postgresSchema() : undefined
  const { db } = await openDatabase(schema?.url ?? 'sqlite::memory:')
  for (const migration of Object.values(attachmentMigrations(engine))) await migration.up(db)
  return {
    db,
    engine,
    async close() {
      await db.destroy()
      await schema?.drop()
    },
  }
}
