import { statSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { Kysely } from 'kysely'
import { verifySignature } from '../src/core/vfx/signature.js'
import { InProcessBus } from '../src/core/bus/in-process-bus.js'
import { systemClock } from '../src/core/clock.js'
import { loadConfig } from '../src/core/config.js'
import { buildFeatures, openLimits } from '../src/server.js'
import { CachingSqliteDialect } from '../src/core/database/sqlite-driver.js'
import { configureSqlite, SINGLE_WRITER } from '../src/core/database/database.js'
import type { BenchUser } from './users.js'

/** Where a request's server time goes, measured in the bench process without HTTP. */
export interface Cost {
  /** CPU µs of the service calls a request makes (authentication included), without HTTP. */
  serviceMicros: number
  /** CPU µs of the SQL statements alone, run straight on better-sqlite3: the floor. */
  sqlMicros: number
  statements: number
}

interface Captured {
  sql: string
  parameters: readonly unknown[]
}

// Many short rounds: the least disturbed of them is the figure, and on a shared machine the
// chance of one quiet round grows with their number.
const ROUNDS = 15
// SQLite's default: a commit that leaves the WAL past 1,000 pages copies it into the database.
const AUTOCHECKPOINT_PAGES = 1000

/** What a WAL checkpoint costs the one event loop: it runs inside a send's commit. */
export interface Checkpoint {
  pages: number
  sends: number
  /** Wall time, fsync included: the event loop serves nothing meanwhile. */
  millis: number
}

/**
 * For each request scenario: the CPU time of its service calls in-process, and of its SQL
 * alone (the statements the store ran, captured and replayed with better-sqlite3). The
 * difference between a scenario's server CPU per request and `serviceMicros` is HTTP
 * (Fastify, plugins, logging, sockets); `sqlMicros` is what no code change above SQLite can
 * remove. `path` must be a copy of the database: the send scenario writes to it.
 */
export async function measureCosts(
  path: string,
  user: BenchUser,
  thread: string,
  callsPerRound: number,
): Promise<{ costs: Record<string, Cost>; checkpoint: Checkpoint }> {
  const sqlite = new SQLite(path)
  configureSqlite(sqlite)
  let captured: Captured[] | null = null
  const db = new Kysely<object>({ dialect: new CachingSqliteDialect(sqlite, (query) => captured?.push({ sql: query.sql, parameters: query.parameters })) })
  // The server's own wiring, without HTTP: the costs measured are the service's as it runs.
  const config = loadConfig({ DATABASE_URL: `sqlite:${path}`, RATE_LIMIT_SEND: '0' })
  const { auth, chat } = await buildFeatures(config, { db, engine: 'sqlite', orderMessages: SINGLE_WRITER, bus: new InProcessBus(), clock: systemClock, limits: await openLimits(config) })
  const { message } = await auth.challenge(user.address)
  const { token } = await auth.issueToken(user.address, message, user.sign(message))
  const signedIn = async () => (await auth.authenticate(token)).address
  let sent = 0
  const calls: Record<string, () => Promise<unknown>> = {
    read: async () => chat.listMessages(await signedIn(), thread, { limit: 20, offset: 0 }),
    list: async () => chat.listThreads(await signedIn(), {}, 20, 0),
    'new-messages': async () => chat.newMessages(await signedIn(), undefined, {}, 100),
    detail: async () => chat.threadDetail(await signedIn(), thread),
    send: async () => chat.sendMessage(await signedIn(), thread, { content: `Cost probe ${++sent}: still for sale?` }),
  }
  const costs: Record<string, Cost> = {}
  let send: { statements: Captured[]; capturedId: number } | undefined
  try {
    for (const [name, call] of Object.entries(calls)) {
      captured = []
      const result = await call()
      const statements: Captured[] = captured
      captured = null
      const serviceMicros = await cpuMicrosPerCall(call, callsPerRound)
      const capturedId = name === 'send' ? (result as { message: { id: number } }).message.id : null
      if (capturedId !== null) send = { statements, capturedId }
      const replay = replayer(sqlite, statements, capturedId)
      costs[name] = { serviceMicros, sqlMicros: await cpuMicrosPerCall(async () => replay(), callsPerRound), statements: statements.length }
    }
  } finally {
    await db.destroy()
  }
  return { costs, checkpoint: measureCheckpoint(path, send!.statements, send!.capturedId) }
}

/**
 * Runs captured statements again on better-sqlite3. A send is replayed in full, in one
 * transaction as the service runs it (each statement committed alone would write its pages to
 * the WAL once each), commit included: each replay's new message id takes the captured one's
 * place after its insert.
 */
function replayer(sqlite: SQLite.Database, statements: Captured[], capturedId: number | null): () => void {
  // Readers answer arrays, as in the service's driver.
  const prepared = statements.map(({ sql, parameters }) => {
    const statement = sqlite.prepare(sql)
    return { sql, statement: statement.reader ? statement.raw(true) : statement, parameters }
  })
  const replay = () => {
    let id = capturedId
    for (const { sql, statement, parameters } of prepared) {
      const values = capturedId === null ? parameters : parameters.map((value) => (value === capturedId ? id : value))
      if (!statement.reader) statement.run(values)
      else if (sql.startsWith('insert into "messages"')) id = (statement.get(values) as [number])[0]
      else statement.all(values)
    }
  }
  return capturedId === null ? replay : sqlite.transaction(replay).immediate
}

/**
 * What SQLite does without the service's checkpoint worker: sends on a plain connection
 * until the WAL holds a checkpoint's worth of pages, then the time of that checkpoint.
 */
function measureCheckpoint(path: string, statements: Captured[], capturedId: number): Checkpoint {
  const sqlite = new SQLite(path)
  try {
    configureSqlite(sqlite)
    sqlite.pragma('wal_checkpoint(TRUNCATE)')
    sqlite.pragma('wal_autocheckpoint = 0')
    const send = replayer(sqlite, statements, capturedId)
    const frameBytes = (sqlite.pragma('page_size', { simple: true }) as number) + 24
    let sends = 0
    let pages = 0
    while (pages < AUTOCHECKPOINT_PAGES) {
      send()
      sends++
      // The WAL's size counts its frames (a page and a 24-byte header each) without copying any.
      pages = Math.floor(statSync(`${path}-wal`).size / frameBytes)
    }
    const started = performance.now()
    sqlite.pragma('wal_checkpoint(TRUNCATE)')
    return { pages, sends, millis: performance.now() - started }
  } finally {
    sqlite.close()
  }
}

/** CPU µs of one wallet-signature verification (ECDSA secp256k1), the core of each sign-in. */
export async function measureVerify(user: BenchUser, callsPerRound: number): Promise<number> {
  const message = 'Sign in to VFX Chat\nAddress: ' + user.address + '\nNonce: 00112233445566778899aabbccddeeff'
  const signature = user.sign(message)
  return cpuMicrosPerCall(async () => {
    if (!verifySignature(user.address, message, signature, 'mainnet')) throw new Error('bench signature does not verify')
  }, callsPerRound)
}

/** The least CPU time per call over a few rounds: the run least disturbed by other processes. */
async function cpuMicrosPerCall(call: () => Promise<unknown>, calls: number): Promise<number> {
  for (let i = 0; i < calls; i++) await call()
  let best = Infinity
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage()
    for (let i = 0; i < calls; i++) await call()
    const used = process.cpuUsage(start)
    best = Math.min(best, (used.user + used.system) / calls)
  }
  return best
}
