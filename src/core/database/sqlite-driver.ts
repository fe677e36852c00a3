import type SQLite from 'better-sqlite3'
import {
  SqliteDialect,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type LimitNode,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js'

/** Distinct SQL texts kept prepared; the store has a few dozen, `in (…)` lists add some. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely's SQLite dialect with a driver built for many small queries: each SQL text is
 * prepared once and reused (Kysely's own driver prepares on every execution, which costs
 * more than running most of our queries), the reads of one turn of the event loop share one
 * read transaction, the one connection is handed over in FIFO order instead of waking every
 * waiter at each release, and a file database is checkpointed from a worker thread (see
 * wal-checkpointer.ts).
 */
export class CachingSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database
  readonly #observe: ObserveQuery | undefined
  #driver: CachingSqliteDriver | undefined

  /** `observe` sees every statement run, by either path (the bench replays them). */
  constructor(database: SQLite.Database, observe?: ObserveQuery) {
    super({ database })
    this.#database = database
    this.#observe = observe
  }

  override createDriver(): Driver {
    return (this.#driver = new CachingSqliteDriver(this.#database, this.#observe))
  }

  // Kysely builds the adapter right after the driver: it is what a Kysely instance (and each
  // of its transactions) still shows of its dialect, so it leads `runAtOnce` to the driver.
  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter()
    if (this.#driver) drivers.set(adapter, this.#driver)
    return adapter
  }

  override createQueryCompiler(): QueryCompiler {
    return new StableLimitCompiler()
  }
}

/**
 * SQLite (3.53 here) reads a bound `limit ?` while planning, and so marks the statement
 * stale whenever that parameter is bound again: each run of a prepared page query compiled
 * it anew, half its time. `limit +?` is an expression, which the planner leaves to run time.
 */
class StableLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append('limit +')
    this.visitNode(node.limit)
  }
}

type ObserveQuery = (query: CompiledQuery) => void

const drivers = new WeakMap<DialectAdapter, CachingSqliteDriver>()

/**
 * Runs `query` on the connection at once, without Kysely's executor: that is nine async calls
 * and their promises per query, more garbage than the rows, and more time than most of our
 * queries take. Possible when `db` runs on this dialect (`adapter` is its executor's, which
 * the caller has at hand) and either is the transaction that holds the one connection or finds
 * it free; otherwise undefined, and Kysely runs the query in its turn.
 */
export function runAtOnce<DB, R>(db: Kysely<DB>, adapter: DialectAdapter, query: CompiledQuery): Promise<QueryResult<R>> | undefined {
  return drivers.get(adapter)?.runAtOnce<R>(query, db.isTransaction)
}

/**
 * Transactions of one turn of the event loop share one commit (group commit): each runs in a
 * savepoint of one SQLite transaction, which commits when the turn is over, or once
 * GROUP_COMMIT members have joined. A commit writes every page the group changed to the WAL,
 * and consecutive sends change the same pages (the last leaf of each index), so a group costs
 * little more than one. No member returns before the commit that makes it durable.
 *
 * Reads outside a transaction share one too, a read transaction that also ends with the
 * turn: a statement on its own takes and drops SQLite's WAL read lock, two fcntl() system
 * calls, which cost more than most of our queries. A write ends the read transaction first,
 * so it never upgrades a snapshot another connection may have written past since.
 *
 * The cap bounds how long a group holds SQLite's write lock. With 50 clients sending, a cap of
 * 16 filled most groups (13 sends a commit on average); at 64 they average 32, and a send costs
 * 5–20 % less CPU (`npm run bench:against`, four runs).
 */
const GROUP_COMMIT = 64

interface Member {
  resolve(): void
  reject(error: unknown): void
}

class CachingSqliteDriver implements Driver {
  readonly #database: SQLite.Database
  readonly #connection: CachingSqliteConnection
  readonly #waiting: Array<() => void> = []
  #busy = false
  #checkpointer: WalCheckpointer | null = null
  /** Members whose savepoint is released, waiting for the group's commit. */
  #members: Member[] = []
  /** The connection's holder released its savepoint: its release waits for the group's commit. */
  #joined = false
  #commitPlanned = false
  /** The open SQLite transaction is this turn's read transaction, not a group's. */
  #reading = false
  /** The transaction statements, prepared once like every other. */
  readonly #control: Record<'begin' | 'beginWrite' | 'savepoint' | 'release' | 'rollbackTo' | 'commit' | 'rollback', SQLite.Statement>
  /** `init` has run (the checkpointer is started): until then queries go through Kysely, which runs it first. */
  #initialized = false

  constructor(database: SQLite.Database, observe: ObserveQuery | undefined) {
    this.#database = database
    this.#control = {
      begin: database.prepare('begin'),
      beginWrite: database.prepare('begin immediate'),
      savepoint: database.prepare('savepoint member'),
      release: database.prepare('release member'),
      rollbackTo: database.prepare('rollback to member'),
      commit: database.prepare('commit'),
      rollback: database.prepare('rollback'),
    }
    this.#connection = new CachingSqliteConnection(database, observe, (readonly) => {
      if (!readonly) this.#endRead()
      else if (!database.inTransaction) {
        this.#control.begin.run()
        this.#reading = true
      }
    })
  }

  async init(): Promise<void> {
    if (!this.#database.memory) {
      this.#database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`)
      this.#checkpointer = new WalCheckpointer(this.#database.name)
    }
    this.#initialized = true
  }

  /** See `runAtOnce`; `holder` says the caller is the transaction holding the connection. */
  runAtOnce<R>(query: CompiledQuery, holder: boolean): Promise<QueryResult<R>> | undefined {
    if (!this.#initialized || (this.#busy && !holder)) return undefined
    try {
      return Promise.resolve(this.#connection.run<R>(query))
    } catch (error) {
      return Promise.reject(error)
    } finally {
      // As a release would: the holder's own release does it for a transaction's queries.
      if (!holder) this.#afterUse()
    }
  }

  // SQLite has one connection: a transaction holds it across awaits, so others wait their turn.
  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#busy = true
    return this.#connection
  }

  async releaseConnection(): Promise<void> {
    const committed = this.#joined ? new Promise<void>((resolve, reject) => this.#members.push({ resolve, reject })) : undefined
    this.#joined = false
    this.#afterUse()
    const next = this.#waiting.shift()
    if (next) next()
    else this.#busy = false
    await committed
  }

  async beginTransaction(): Promise<void> {
    this.#endRead()
    // Immediate: the write lock is taken before the member's first read, so its reads and
    // writes see one state even when another connection writes to the file meanwhile.
    if (!this.#database.inTransaction) this.#control.beginWrite.run()
    this.#control.savepoint.run()
  }

  async commitTransaction(): Promise<void> {
    this.#control.release.run()
    this.#joined = true
  }

  async rollbackTransaction(): Promise<void> {
    if (this.#database.inTransaction) {
      this.#control.rollbackTo.run()
      this.#control.release.run()
    }
  }

  async destroy(): Promise<void> {
    if (this.#database.inTransaction) this.#commitGroup()
    await this.#checkpointer?.stop()
    this.#database.close()
  }

  /**
   * Commits once this turn of the event loop is over: the requests it reads from their sockets
   * meanwhile join the group. A connection still held then is its holder's to commit: its
   * release plans the commit again.
   */
  #commitSoon(): void {
    if (this.#commitPlanned) return
    this.#commitPlanned = true
    setImmediate(() => {
      this.#commitPlanned = false
      if (!this.#busy && this.#database.inTransaction) this.#commitGroup()
    })
  }

  /**
   * After each use of the connection, by a transaction or a lone query: a group SQLite ended
   * itself (an I/O error, a full disk) is told so; otherwise the open transaction, a group's or
   * the turn's reads, commits when the turn ends, or now once the group is full.
   */
  #afterUse(): void {
    if (!this.#database.inTransaction) this.#settle(this.#members.length > 0 ? new Error('The database rolled this transaction back with its group.') : null)
    else if (this.#members.length >= GROUP_COMMIT) this.#commitGroup()
    else this.#commitSoon()
  }

  #endRead(): void {
    if (!this.#reading) return
    this.#reading = false
    this.#control.commit.run()
  }

  /** Commits the open transaction, a group's or the turn's reads. */
  #commitGroup(): void {
    this.#reading = false
    try {
      this.#control.commit.run()
      this.#settle(null)
    } catch (error) {
      this.#settle(error)
      // A transaction SQLite kept open after a failed commit would carry the group's writes into the next.
      try {
        if (this.#database.inTransaction) this.#control.rollback.run()
      } catch {
        // Nothing more can be undone; the next statement reports the connection's state.
      }
    }
  }

  #settle(error: unknown): void {
    const members = this.#members
    this.#members = []
    for (const member of members) {
      if (error === null) member.resolve()
      else member.reject(error)
    }
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #database: SQLite.Database
  readonly #statements = new Map<string, Prepared>()
  readonly #observe: ObserveQuery | undefined
  /** Told before each statement whether it only reads, so the driver can open or end the turn's read transaction. */
  readonly #beforeStatement: (readonly: boolean) => void

  constructor(database: SQLite.Database, observe: ObserveQuery | undefined, beforeStatement: (readonly: boolean) => void) {
    this.#database = database
    this.#observe = observe
    this.#beforeStatement = beforeStatement
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.run(query)
  }

  run<R>(query: CompiledQuery): QueryResult<R> {
    this.#observe?.(query)
    const { statement, columns } = this.#prepare(query.sql)
    this.#beforeStatement(statement.readonly)
    if (columns !== null) return { rows: (statement.all(query.parameters) as unknown[][]).map((values) => rowOf(columns, values) as R) }
    const { changes, lastInsertRowid } = statement.run(query.parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used with SQLite')
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql)
    if (prepared === undefined) {
      const statement = this.#database.prepare(sql)
      // A reader answers arrays, made into rows here: better-sqlite3 builds each row object
      // through V8's C++ API, one property lookup per column, which cost more than the query.
      prepared = statement.reader ? { statement: statement.raw(true), columns: statement.columns().map((column) => column.name) } : { statement, columns: null }
      // Oldest first out: the hot statements are prepared again soon after, if ever dropped.
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!)
      this.#statements.set(sql, prepared)
    }
    return prepared
  }
}

interface Prepared {
  statement: SQLite.Statement
  /** A reader's column names, in the order of its raw values; null for a writer. */
  columns: readonly string[] | null
}

/** The row object better-sqlite3 would have built: each column by name, the last of a repeated name winning. */
function rowOf(columns: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]
  return row
}
