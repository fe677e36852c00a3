import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from './migrations.js'
import type { Database } from './schema.js'

export type Engine = 'sqlite' | 'postgres'

export interface OpenDatabase {
  readonly db: Kysely<Database>
  readonly engine: Engine
}

/**
 * Opens the database named by a DATABASE_URL (`sqlite:<path>`, `sqlite::memory:` or
 * `postgres://…`) and migrates it to the latest schema.
 *
 * ```ts
 * const { db } = await openDatabase('sqlite:./data/vfx-chat.db')
 * ```
 */
export async function openDatabase(url: string): Promise<OpenDatabase> {
  const opened = url.startsWith('sqlite:') ? openSqlite(url.slice('sqlite:'.length)) : openPostgres(url)
  try {
    await migrateToLatest(opened.db, opened.engine)
  } catch (error) {
    await opened.db.destroy()
    throw error
  }
  return opened
}

function openSqlite(path: string): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SQLite(path)
  // WAL lets readers run beside the writer; NORMAL sync keeps every commit across a process
  // crash (only a power cut may lose the last transactions).
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), engine: 'sqlite' }
}

function openPostgres(url: string): OpenDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' }
}

/** True when a write failed on a UNIQUE constraint, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}
