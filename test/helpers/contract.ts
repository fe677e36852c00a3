import SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'
import { expect } from 'vitest'
import { ApiError } from '../../src/sdk/client.js'
import { connectDatabase } from '../../src/core/database/database.js'
import type { Tables } from '../../src/server.js'
import type { TestServer } from './server.js'

/** docs/api.md §4: RFC 3339, UTC, milliseconds, `Z`. */
export const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const NOT_FOUND = { detail: 'Not found.' }

/** A message exactly as docs/api.md §4 shapes it; `fields` pins the values a test knows. */
export function aMessage(fields: Record<string, unknown> = {}) {
  return {
    id: expect.any(Number),
    sender: expect.any(String),
    content: expect.any(String),
    timestamp: expect.stringMatching(TIME),
    is_read: expect.any(Boolean),
    thread_uuid: expect.stringMatching(UUID_V4),
    attachments: [],
    edited_at: null,
    deleted_by: null,
    ...fields,
  }
}

/** A thread as listed (docs/api.md §4); `fields` pins the values a test knows. */
export function aThread(fields: Record<string, unknown> = {}) {
  return {
    uuid: expect.stringMatching(UUID_V4),
    participants: expect.any(Array),
    shop: null,
    created_at: expect.stringMatching(TIME),
    updated_at: expect.stringMatching(TIME),
    last_message: null,
    unread_count: 0,
    consent: 'accepted',
    ...fields,
  }
}

/** The error a call answered with; fails the test when it succeeded. */
export async function failure(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('expected an error answer, got a success')
}

/** Asserts the exact status and body of a failed call. */
export async function expectError(call: Promise<unknown>, status: number, body: Record<string, unknown>): Promise<ApiError> {
  const error = await failure(call)
  expect({ status: error.status, body: error.body }).toEqual({ status, body })
  return error
}

/** A raw HTTP exchange, for input the SDK would never send. A string body goes as is. */
export async function raw(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(server.url + path, { method, headers, body })
  const text = await response.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A link split into its absolute URL and query, whose order does not matter. */
export function link(href: string | null) {
  const url = new URL(href ?? 'null:')
  return { url: `${url.origin}${url.pathname}`, query: Object.fromEntries(url.searchParams) }
}

/** The contents of every page from `href` on, following the `next` (or `previous`) links. */
export async function follow(href: string | null, token: string, direction: 'next' | 'previous' = 'next') {
  const pages: string[][] = []
  while (href) {
    const response = await fetch(href, { headers: { authorization: `Bearer ${token}` } })
    const page = (await response.json()) as Record<typeof direction, string | null> & { results: { content: string }[] }
    pages.push(page.results.map((message) => message.content))
    href = page[direction]
  }
  return pages
}

/**
 * Runs `use` on a second connection to the test server's database (SQLite or PostgreSQL), for
 * what no endpoint can do: expire a token, look at what is stored.
 */
export async function withDatabase<T>(server: TestServer, use: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
  const db = connectDatabase(server.databaseUrl).db.withTables<Tables>()
  try {
    return await use(db)
  } finally {
    await db.destroy()
  }
}

/**
 * Marks one thread read up to each of a dozen messages, all at once in random order, three
 * times: read markers never move back, so the marker must end at the furthest message.
 */
export async function expectReadRaceEndsAtFurthest(server: TestServer): Promise<void> {
  const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
  const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
  const ids: number[] = []
  for (let i = 0; i < 12; i++) ids.push((await alice.sendMessage(thread.uuid, { content: `m${i}` })).message.id)
  for (let round = 0; round < 3; round++) {
    await Promise.all([...ids].sort(() => Math.random() - 0.5).map((id) => bob.markRead(thread.uuid, id)))
  }
  expect(await bob.markRead(thread.uuid, ids[0])).toEqual({ uuid: thread.uuid, last_read_id: ids.at(-1), unread_count: 0 })
}

/** A raw second connection to a SQLite test server's file; the caller closes it. */
export function openDatabaseFile(server: TestServer): SQLite.Database {
  return new SQLite(server.databaseUrl.slice('sqlite:'.length))
}
