import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import type { Engine } from './engine.js'
import { migrateToLatest, type Migrations } from './migrations.js'
import { CachingSqliteDialect } from './sqlite-driver.js'

/**
 * How message ids stay safe to resume from while several transactions insert messages at
 * once: a reader must never pass an id that a transaction still in flight will commit later.
 */
export interface MessageOrdering {
  /**
   * Runs in a message-writing transaction before its insert; returns the id the message must
   * be inserted with, or undefined when the table allocates it itself.
   */
  claimId<DB>(trx: Transaction<DB>): Promise<number | undefined>
  /**
   * A bound below which no message id is still in flight: every id at or below it is
   * committed (and visible to a query started after this resolves) or never will be.
   */
  settledBelow(): Promise<number>
}

export interface OpenDatabase {
  /**
   * Typed by no tables: each repository names the tables it owns (`db.withTables<…>()`),
   * and sees no other.
   */
  readonly db: Kysely<object>
  readonly engine: Engine
  /**
   * Without it, a reader resuming "after id N" could miss a lower id committed later. SQLite
   * has one writer at a time: its ids commit in order. PostgreSQL commits concurrent sends in
   * any order; each claims its id (an advisory lock named by it) until it commits, and
   * readers stop below the lowest id still claimed.
   */
  readonly orderMessages: MessageOrdering
}

/**
 * Advisory lock keys on PostgreSQL (any fixed numbers): every message writer holds WRITERS
 * (shared) for its transaction, and CLAIM_CLASS << 32 | id for the id it inserts.
 */
export const MESSAGE_WRITERS_LOCK = 0x76667863
export const MESSAGE_CLAIM_CLASS = 0x7667
/** Reads of pg_locks before settling for the last bound, while a writer is between its two locks. */
const SETTLE_ATTEMPTS = 20

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

/**
 * SQLite's message ordering: one writer at a time, and its rows invisible until it commits, so
 * every visible id is settled and a later one can only be higher.
 */
export const SINGLE_WRITER: MessageOrdering = { claimId: async () => undefined, settledBelow: async () => Number.MAX_SAFE_INTEGER }

/** The connection settings the service runs with (the bench's in-process probes use them too). */
export function configureSqlite(sqlite: SQLite.Database): void {
  // WAL lets readers run beside the writer; NORMAL sync keeps every commit across a process
  // crash (only a power cut may lose the last transactions).
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // A send is a savepoint inside a group's transaction (sqlite-driver.ts): the pages it changes
  // are first copied to a sub-journal, a temporary file by default, one write call per page.
  sqlite.pragma('temp_store = MEMORY')
}

function openSqlite(path: string): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SQLite(path)
  configureSqlite(sqlite)
  return {
    db: new Kysely<object>({ dialect: new CachingSqliteDialect(sqlite) }),
    engine: 'sqlite',
    orderMessages: SINGLE_WRITER,
  }
}

function openPostgres(url: string): OpenDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) })
  return { db, engine: 'postgres', orderMessages: new ClaimedMessageIds(db) }
}

/**
 * PostgreSQL's message ordering: concurrent sends commit in any order, and readers learn which
 * ids are settled from the locks in flight. A writer takes WRITERS, then its id with a lock on
 * it, both held until it commits or rolls back. A reader reads the sequence (S), then the
 * locks: every id at or below S was taken before, by a writer that has finished (its row is
 * visible or never will be) or still holds its claim. So every id below the lowest claim, and
 * at most S, is settled. A writer seen between its two locks may hold an id at or below S
 * unclaimed: the reader looks again.
 */
class ClaimedMessageIds implements MessageOrdering {
  readonly #db: Kysely<object>
  /** The last bound found: settled ids stay settled, so it is safe to answer again. */
  #settled = 0

  constructor(db: Kysely<object>) {
    this.#db = db
  }

  async claimId<DB>(trx: Transaction<DB>): Promise<number> {
    // One statement, innermost first (offset 0 keeps each subquery whole): WRITERS, then the
    // id, then its claim, so a reader sees a writer between its two locks for microseconds only.
    const { rows } = await sql<{ id: string }>`
      select id, pg_advisory_xact_lock((${MESSAGE_CLAIM_CLASS}::bigint << 32) | id)
        from (select nextval(pg_get_serial_sequence('messages', 'id')) as id
                from (select pg_advisory_xact_lock_shared(${MESSAGE_WRITERS_LOCK}) offset 0) as writer
              offset 0) as next`.execute(trx)
    return Number(rows[0]!.id)
  }

  async settledBelow(): Promise<number> {
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
      const { rows: sequence } = await sql<{ last_value: string | null }>`
        select pg_sequence_last_value(pg_get_serial_sequence('messages', 'id')::regclass) as last_value`.execute(this.#db)
      // Null until the first id is taken.
      const allocated = Number(sequence[0]?.last_value ?? 0)
      const { rows: locks } = await sql<{ pid: number; classid: number; objid: number }>`
        select pid, classid, objid from pg_locks
         where locktype = 'advisory' and granted and objsubid = 1
           and database = (select oid from pg_database where datname = current_database())
           and (classid = ${MESSAGE_CLAIM_CLASS} or (classid = 0 and objid = ${MESSAGE_WRITERS_LOCK}))`.execute(this.#db)
      const claims = new Map(locks.filter((lock) => lock.classid === MESSAGE_CLAIM_CLASS).map((lock) => [lock.pid, Number(lock.objid)]))
      const between = locks.some((lock) => lock.classid === 0 && !claims.has(lock.pid))
      if (!between) {
        const settled = Math.min(allocated, ...[...claims.values()].map((id) => id - 1))
        this.#settled = Math.max(this.#settled, settled)
        return this.#settled
      }
      await sleep(1)
    }
    return this.#settled
  }
}

/** True when a write failed on a UNIQUE constraint, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}
