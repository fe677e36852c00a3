import { cpus, totalmem } from 'node:os'
import SQLite from 'better-sqlite3'
import { createRequire } from 'node:module'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  sqlite: string
  betterSqlite3: string
  fastify: string
}

/** What the figures were measured on: they mean little without it. */
export function describeMachine(): Machine {
  const require = createRequire(import.meta.url)
  const db = new SQLite(':memory:')
  const { version } = db.prepare('select sqlite_version() as version').get() as { version: string }
  db.close()
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    sqlite: version,
    betterSqlite3: (require('better-sqlite3/package.json') as { version: string }).version,
    fastify: (require('fastify/package.json') as { version: string }).version,
  }
}
