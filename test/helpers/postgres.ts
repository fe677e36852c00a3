import { randomBytes } from 'node:crypto'
import pg from 'pg'

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test'

/**
 * A PostgreSQL schema of its own for one test file: DATABASE_URL points its search_path
 * there, and `drop()` removes it, so parallel runs never see each other's tables.
 */
export async function postgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `vfx_chat_test_${randomBytes(6).toString('hex')}`
  await admin(`create schema ${schema}`)
  const url = new URL(ADMIN_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { url: url.href, drop: () => admin(`drop schema if exists ${schema} cascade`) }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
