import type { Kysely } from 'kysely'
import { openDatabase } from '../../../src/core/database/database.js'
import type { Engine } from '../../../src/core/database/engine.js'
import { MIGRATIONS, type Tables } from '../../../src/server.js'
import { postgresSchema } from '../../helpers/postgres.js'

export interface AttachmentDatabase {
  readonly db: Kysely<Tables>
  /** The same connection untyped, as the server hands it to a feature. */
  readonly connection: Kysely<object>
  readonly engine: Engine
  close(): Promise<void>
}

/**
 * A fresh database on `engine` (in-memory SQLite, or a PostgreSQL schema of its own) with the
 * chat's schema and the attachments migration on top, as the server will run them.
 */
export async function openAttachmentDatabase(engine: Engine): Promise<AttachmentDatabase> {
  const schema = engine === 'postgres' ? await postgresSchema() : undefined
  const { db } = await openDatabase(schema?.url ?? 'sqlite::memory:', MIGRATIONS)
  return {
    db: db.withTables<Tables>(),
    connection: db,
    engine,
    async close() {
      await db.destroy()
      await schema?.drop()
    },
  }
}
