import type SQLite from 'better-sqlite3'
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult } from 'kysely'
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js'

/** Distinct SQL texts kept prepared; the store has a few dozen, `in (…)` lists add some. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely's SQLite dialect with a driver built for many small queries: each SQL text is
 * prepared once and reused (Kysely's own driver prepares on every execution, which costs
 * more than running most of our queries), the one connection is handed over in FIFO order
 * instead of waking every waiter at each release, and a file database is checkpointed from
 * a worker thread (see wal-checkpointer.ts).
 */
export class CachingSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database

  constructor(database: SQLite.Database) {
    super({ database })
    this.#database = database
  }

  override createDriver(): Driver {
    return new CachingSqliteDriver(this.#database)
  }
}

class CachingSqliteDriver implements Driver {
  readonly #database: SQLite.Database
  readonly #connection: CachingSqliteConnection
  readonly #waiting: Array<() => void> = []
  #busy = false
  #checkpointer: WalCheckpointer | null = null

  constructor(database: SQLite.Database) {
    this.#database = database
    this.#connection = new CachingSqliteConnection(database)
  }

  async init(): Promise<void> {
    if (this.#database.memory) return
    this.#database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
    this.#checkpointer = new WalCheckpointer(this.#database.name)
  }

  // SQLite has one connection: a transaction holds it across awaits, so others wait their turn.
  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#busy = true
    return this.#connection
  }

  async releaseConnection(): Promise<void> {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#busy = false
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async destroy(): Promise<void> {
    await this.#checkpointer?.stop()
    this.#database.close()
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #database: SQLite.Database
  readonly #statements = new Map<string, SQLite.Statement>()

  constructor(database: SQLite.Database) {
    this.#database = database
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(query.sql)
    if (statement.reader) return { rows: statement.all(query.parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(query.parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used with SQLite')
  }

  #prepare(sql: string): SQLite.Statement {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#database.prepare(sql)
      // Oldest first out: the hot statements are prepared again soon after, if ever dropped.
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!)
      this.#statements.set(sql, statement)
    }
    return statement
  }
}
