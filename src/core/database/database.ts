import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import type { Engine } from './engine.js'
import { migrateToLatest, type Migrations } from './migrations.js'
import { CachingSqliteDialect } from './sqlite-driver.js'

/** Runs inside a message-writing transaction; see OpenDatabase.orderMessages. */
export type MessageOrdering = <DB>(trx: Transaction<DB>) => Promise<void>

export interface OpenDatabase {
  /**
   * Typed by no tables: each repository names the tables it owns (`db.withTables<…>()`),
   * and sees no other.
   */
  readonly db: Kysely<object>
  readonly engine: Engine
  /**
   * Runs inside a message-writing transaction so that message ids commit in id order; without
   * it, a reader resuming "after id N" could miss a lower id committed later. SQLite has one
   * writer at a time already; PostgreSQL takes a transaction-scoped advisory lock.
   */
  readonly orderMessages: MessageOrdering
}

/** Any fixed number: the advisory lock that orders message commits on PostgreSQL. */
export const MESSAGE_ORDER_LOCK = 0x76667863

/**
 * Opens the database named by a DATABASE_URL (`sqlite:<path>`, `sqlite::memory:` or
 * `postgres://…`) and migrates it to the latest schema of the given features.
 *
 * ```ts
 * const { db } = await openDatabase('sqlite:./data/vfx-chat.db', [baselineMigrations, attachmentMigrations])
 * ```
 */
export async function openDatabase(url: string, migrations: readonly Migrations[]): Promise<OpenDatabase> {
  const opened = connectDatabase(url)
  try {
    await migrateToLatest(opened.db, opened.engine, migrations)
  } catch (error) {
    await opened.db.destroy()
    throw error
  }
  return opened
}

/**
 * The same database, opened as it is, without migrating: for a second look at a database a
 * running server owns (tests, tools), which must not race the server's own migrations.
 */
export function connectDatabase(url: string): OpenDatabase {
  return url.startsWith('sqlite:') ? openSqlite(url.slice('sqlite:'.length)) : openPostgres(url)
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
  return {
    db: new Kysely<object>({ dialect: new CachingSqliteDialect(sqlite) }),
    engine: 'sqlite',
    orderMessages: async () => {},
  }
}

function openPostgres(url: string): OpenDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  return {
    db: new Kysely<object>({ dialect: new PostgresDialect({ pool }) }),
    engine: 'postgres',
    orderMessages: async (trx) => {
      await sql`select pg_advisory_xact_lock(${MESSAGE_ORDER_LOCK})`.execute(trx)
    },
  }
}

/** True when a write failed on a UNIQUE constraint, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}
