import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statfsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { Redis } from 'ioredis'
import { sql, type Kysely } from 'kysely'
import { ConfigError, loadConfig, type Config } from '../core/config.js'
import { connectDatabase, openDatabase } from '../core/database/database.js'
import { WEB_ROOT } from '../core/http/web-client.js'
import { isValidAddress } from '../core/vfx/address.js'
import { ShopRepository, ShopService, type DecShop } from '../features/shops/index.js'
import { systemClock } from '../core/clock.js'
import { configOrExplain, runServer } from '../run-server.js'
import { MIGRATIONS } from '../server.js'
import { CliError, paint, print, progressBar } from './output.js'

/** The server's configuration from the environment, or a CLI error naming the bad variable. */
function config(): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`configuration error: ${error.message}`)
    throw error
  }
}

function sqliteFile(config: Config, command: string): string {
  if (!config.databaseUrl.startsWith('sqlite:')) {
    throw new CliError(`${command} works on the SQLite file; for PostgreSQL use pg_dump and pg_restore`)
  }
  return resolve(config.databaseUrl.slice('sqlite:'.length))
}

export async function serve(options: { port?: string; host?: string; database?: string }): Promise<void> {
  if (options.port !== undefined) process.env.PORT = options.port
  if (options.host !== undefined) process.env.HOST = options.host
  if (options.database !== undefined) process.env.DATABASE_URL = options.database
  const loaded = configOrExplain(process.env)
  if (!loaded) process.exit(1)
  await runServer(loaded)
}

export async function migrate(json: boolean): Promise<void> {
  const { databaseUrl } = config()
  const { db } = await openDatabase(databaseUrl, MIGRATIONS)
  const applied = await appliedMigrations(db)
  await db.destroy()
  print(json, { database: redacted(databaseUrl), migrations: applied.length }, () => `${redacted(databaseUrl)} is at the latest schema (${applied.length} migrations)`)
}

/** An online copy of the SQLite database, consistent even while the server writes to it. */
export async function backup(file: string, json: boolean): Promise<void> {
  const source = sqliteFile(config(), 'backup')
  if (!existsSync(source)) throw new CliError(`no database at ${source}`)
  const target = resolve(file)
  if (existsSync(target)) throw new CliError(`${target} exists; choose a new file name`)
  const db = new SQLite(source, { readonly: true, fileMustExist: true })
  const bar = progressBar('backing up')
  try {
    const { totalPages } = await db.backup(target, {
      progress({ totalPages: total, remainingPages }) {
        bar.update(total - remainingPages, total)
        return 256
      },
    })
    bar.end()
    print(json, { backup: target, pages: totalPages }, () => `${paint('green', '✓')} backed up ${source} to ${target} (${totalPages} pages)`)
  } finally {
    db.close()
  }
}

/**
 * Puts a backup in the database's place: checked first (a SQLite file that passes
 * integrity_check and has the chat's tables), then swapped in by rename. The server must be stopped.
 */
export async function restore(file: string, json: boolean): Promise<void> {
  const target = sqliteFile(config(), 'restore')
  const source = resolve(file)
  if (!existsSync(source)) throw new CliError(`no file at ${source}`)
  let check: SQLite.Database | undefined
  try {
    check = new SQLite(source, { readonly: true, fileMustExist: true })
    const [{ integrity_check: integrity } = { integrity_check: 'unknown' }] = check.pragma('integrity_check') as { integrity_check: string }[]
    if (integrity !== 'ok') throw new CliError(`${source} is damaged (integrity_check: ${integrity})`)
    if (!check.prepare("select 1 from sqlite_master where type = 'table' and name = 'threads'").get()) {
      throw new CliError(`${source} is not a vfx-chat database (it has no threads table)`)
    }
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`${source} is not a SQLite database (${(error as Error).message})`)
  } finally {
    check?.close()
  }
  const incoming = `${target}.restoring`
  copyFileSync(source, incoming)
  // The old write-ahead log belongs to the old file: replayed onto the backup it would corrupt it.
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true })
  renameSync(incoming, target)
  print(json, { restored: target, from: source }, () => `${paint('green', '✓')} restored ${target} from ${source}; start the server again`)
}

interface Check {
  name: string
  ok: boolean
  detail: string
  /** How to fix it, when it failed. */
  fix?: string
}

/** What an operator would check first: configuration, database and its schema, Redis, disk, the web build. */
export async function doctor(json: boolean): Promise<void> {
  const checks: Check[] = []
  let loaded: Config | undefined
  try {
    loaded = loadConfig(process.env)
    checks.push({ name: 'configuration', ok: true, detail: 'every variable parses' })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    checks.push({ name: 'configuration', ok: false, detail: error.message, fix: 'correct that variable (README: Configuration)' })
  }
  if (loaded) {
    checks.push(await databaseCheck(loaded))
    if (loaded.redisUrl) checks.push(await redisCheck(loaded.redisUrl))
    checks.push(diskCheck(loaded))
  }
  const built = existsSync(`${WEB_ROOT}index.html`)
  checks.push({ name: 'web client', ok: built, detail: built ? 'built' : `no ${WEB_ROOT}index.html`, fix: 'npm run build' })
  const healthy = checks.every((check) => check.ok)
  print(json, { healthy, checks }, () =>
    checks.map((check) =>
      check.ok
        ? `${paint('green', '✓')} ${check.name}: ${check.detail}`
        : `${paint('red', '✗')} ${check.name}: ${check.detail}${check.fix ? `\n    fix: ${check.fix}` : ''}`,
    ),
  )
  if (!healthy) process.exitCode = 1
}

async function databaseCheck(loaded: Config): Promise<Check> {
  const name = 'database'
  let opened: ReturnType<typeof connectDatabase> | undefined
  try {
    const database = (opened = connectDatabase(loaded.databaseUrl))
    await sql`select 1`.execute(database.db)
    const applied = new Set(await appliedMigrations(database.db))
    const pending = MIGRATIONS.flatMap((migrations) => Object.keys(migrations(database.engine))).filter((migration) => !applied.has(migration))
    if (pending.length > 0) return { name, ok: false, detail: `${pending.length} migrations not applied (${pending.join(', ')})`, fix: 'vfx-chat migrate (or start the server once)' }
    return { name, ok: true, detail: `${redacted(loaded.databaseUrl)} reachable, schema up to date` }
  } catch (error) {
    return { name, ok: false, detail: `${redacted(loaded.databaseUrl)}: ${(error as Error).message}`, fix: 'start the database, or correct DATABASE_URL' }
  } finally {
    await opened?.db.destroy()
  }
}

async function redisCheck(url: string): Promise<Check> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return { name: 'redis', ok: true, detail: `${redacted(url)} answers` }
  } catch (error) {
    return { name: 'redis', ok: false, detail: `${redacted(url)}: ${(error as Error).message}`, fix: 'start Redis, or correct REDIS_URL (unset it for one node)' }
  } finally {
    redis.disconnect()
  }
}

const LOW_DISK_BYTES = 1024 ** 3

function diskCheck(loaded: Config): Check {
  const folder = loaded.databaseUrl.startsWith('sqlite:') ? dirname(resolve(loaded.databaseUrl.slice('sqlite:'.length))) : resolve(loaded.blobDir)
  let probe = folder
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe)
  const { bavail, bsize } = statfsSync(probe)
  const free = bavail * bsize
  const detail = `${(free / 1024 ** 3).toFixed(1)} GiB free under ${folder}`
  return free >= LOW_DISK_BYTES ? { name: 'disk', ok: true, detail } : { name: 'disk', ok: false, detail, fix: 'free space or move the data folder' }
}

/** The DecShop list a VFX node answers at dstapi/DSTV1/GetDecShopStateTreiList, into the shop directory. */
export async function importShops(file: string, json: boolean): Promise<void> {
  const loaded = config()
  const entries = parseDecShops(file, loaded)
  const { db } = await openDatabase(loaded.databaseUrl, MIGRATIONS)
  const shops = new ShopService(new ShopRepository(db), systemClock)
  const counts = { created: 0, updated: 0, skipped: 0 }
  const problems: string[] = []
  const bar = progressBar('importing shops')
  try {
    for (const [index, entry] of entries.entries()) {
      bar.update(index, entries.length)
      if (typeof entry === 'string') {
        counts.skipped++
        problems.push(entry)
        continue
      }
      try {
        counts[await shops.importDecShop(entry)]++
      } catch (error) {
        counts.skipped++
        problems.push(`${entry.id}: ${(error as Error).message}`)
      }
    }
  } finally {
    bar.end()
    await db.destroy()
  }
  print(json, { ...counts, problems }, () => [
    `created ${counts.created}, updated ${counts.updated}, skipped ${counts.skipped}`,
    ...problems.map((problem) => `  skipped ${problem}`),
  ])
}

/** Each entry of the list as a DecShop, or why it cannot be one. */
function parseDecShops(file: string, loaded: Config): (DecShop | string)[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(resolve(file), 'utf8'))
  } catch (error) {
    throw new CliError(`cannot read ${file} as JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(parsed)) throw new CliError(`${file} is not a list of DecShops (expected a JSON array)`)
  return parsed.map((item: Record<string, unknown>, index) => {
    const { UniqueId: id, Name: name, DecShopURL: url, OwnerAddress: owner, IsOffline: offline } = item ?? {}
    if (typeof id !== 'string' || id === '') return `entry ${index}: no UniqueId`
    if (typeof name !== 'string' || typeof url !== 'string') return `${id}: Name and DecShopURL must be text`
    if (typeof owner !== 'string' || !isValidAddress(owner, loaded.network)) return `${id}: OwnerAddress is not a valid ${loaded.network} address`
    return { id, name, url, owner, offline: offline === true }
  })
}

/** The migrations a database has run; none when it has never been migrated (no table yet). */
async function appliedMigrations(db: Kysely<object>): Promise<string[]> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db)
    return rows.map((row) => row.name)
  } catch {
    // The database answered (the caller asked it first): the table is not there yet.
    return []
  }
}

/** A database URL without its password, for output. */
function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
