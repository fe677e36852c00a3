import SQLite from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/core/database/database.js'
import { prepared, preparedList, preparedShapes } from '../../../src/core/database/prepared.js'
import type { Kysely } from 'kysely'
import type { AuthTables } from '../../../src/features/auth/index.js'
import { MIGRATIONS } from '../../../src/server.js'

let db: Kysely<AuthTables>

beforeAll(async () => {
  db = (await openDatabase('sqlite::memory:', MIGRATIONS)).db.withTables<AuthTables>()
  await db
    .insertInto('tokens')
    .values([
      { token_hash: 'a', address: 'Ralice', expires_at: '2030-01-01T00:00:00.000Z' },
      { token_hash: 'b', address: 'Rbob', expires_at: '2020-01-01T00:00:00.000Z' },
      { token_hash: 'c', address: 'Rcarol', expires_at: '2031-01-01T00:00:00.000Z' },
    ])
    .execute()
})
afterAll(async () => {
  await db.destroy()
})

describe('prepared queries', () => {
  const findToken = prepared((db: Kysely<AuthTables>, hash: string, now: string) =>
    db.selectFrom('tokens').select('address').where('token_hash', '=', hash).where('expires_at', '>', now),
  )

  it('binds each call its own values, in the right places', async () => {
    const now = '2025-01-01T00:00:00.000Z'
    expect((await findToken(db, 'a', now)).rows).toEqual([{ address: 'Ralice' }])
    expect((await findToken(db, 'c', now)).rows).toEqual([{ address: 'Rcarol' }])
    expect((await findToken(db, 'b', now)).rows).toEqual([])
    expect((await findToken(db, 'b', '2019-01-01T00:00:00.000Z')).rows).toEqual([{ address: 'Rbob' }])
  })

  it('keeps the values written into the query itself', async () => {
    const addressesBefore = prepared((db: Kysely<AuthTables>, limit: number) =>
      db.selectFrom('tokens').select('address').where('expires_at', '<', '2030-06-01T00:00:00.000Z').orderBy('address').limit(limit),
    )
    expect((await addressesBefore(db, 5)).rows.map((r) => r.address)).toEqual(['Ralice', 'Rbob'])
    expect((await addressesBefore(db, 1)).rows.map((r) => r.address)).toEqual(['Ralice'])
  })

  it('compiles one query per shape', async () => {
    const tokens = preparedShapes((db: Kysely<AuthTables>, shape: { expiring: boolean }, now: string) => {
      const query = db.selectFrom('tokens').select('address').orderBy('address')
      return shape.expiring ? query.where('expires_at', '<', now) : query
    })
    const now = '2030-06-01T00:00:00.000Z'
    expect((await tokens(db, { expiring: true }, now)).rows).toHaveLength(2)
    expect((await tokens(db, { expiring: false }, now)).rows).toHaveLength(3)
    expect((await tokens(db, { expiring: true }, '2025-01-01T00:00:00.000Z')).rows).toEqual([{ address: 'Rbob' }])
  })

  it('answers a list of any length with exactly its rows, whatever size the list was compiled for', async () => {
    const addressesOf = preparedList(
      (db: Kysely<AuthTables>, hashes: readonly string[]) => db.selectFrom('tokens').select('address').where('token_hash', 'in', hashes).orderBy('address'),
      '',
    )
    const addresses = async (hashes: string[]) => (await addressesOf(db, hashes)).rows.map((row) => row.address)
    expect(await addresses(['c'])).toEqual(['Rcarol'])
    expect(await addresses(['a', 'b'])).toEqual(['Ralice', 'Rbob'])
    expect(await addresses(['a', 'x', 'c'])).toEqual(['Ralice', 'Rcarol'])
    expect(await addresses(['x', 'y', 'z', 'w', 'v', 'b', 'u', 'a', 't'])).toEqual(['Ralice', 'Rbob'])
    expect(await addresses(['x'])).toEqual([])
    expect(await addresses([])).toEqual([])
  })
})

describe('the SQLite query compiler', () => {
  // SQLite plans by a bound `limit ?` and so compiles such a statement anew each time it runs.
  it('binds a page limit as an expression, and pages by it as before', async () => {
    const page = prepared((db: Kysely<AuthTables>, limit: number, offset: number) =>
      db.selectFrom('tokens').select('address').orderBy('address').limit(limit).offset(offset),
    )
    const compiled = db.selectFrom('tokens').select('address').limit(2).offset(1).compile()
    expect(compiled.sql).toMatch(/ limit \+\? offset \?$/)
    const addresses = async (limit: number, offset: number) => (await page(db, limit, offset)).rows.map((row) => row.address)
    expect(await addresses(2, 0)).toEqual(['Ralice', 'Rbob'])
    expect(await addresses(2, 1)).toEqual(['Rbob', 'Rcarol'])
    expect(await addresses(1, 2)).toEqual(['Rcarol'])
    expect(await addresses(5, 3)).toEqual([])
  })
})

describe('the SQLite driver', () => {
  it('gives the one connection to one transaction at a time, in the order they asked', async () => {
    const order: string[] = []
    const transaction = (name: string) =>
      db.transaction().execute(async (trx) => {
        order.push(`${name} begin`)
        await trx.selectFrom('tokens').select('address').execute()
        await sleep(5)
        order.push(`${name} end`)
      })
    await Promise.all([transaction('first'), transaction('second'), transaction('third')])
    expect(order).toEqual(['first begin', 'first end', 'second begin', 'second end', 'third begin', 'third end'])
  })

  it('runs a prepared query at once only when no transaction holds the connection, or in the one that does', async () => {
    const tokenOf = prepared((db: Kysely<AuthTables>, hash: string) => db.selectFrom('tokens').select('address').where('token_hash', '=', hash))
    const order: string[] = []
    const holding = db.transaction().execute(async (trx) => {
      await trx.insertInto('tokens').values({ token_hash: 'q', address: 'Rquinn', expires_at: '2030-01-01T00:00:00.000Z' }).execute()
      order.push(`inside: ${(await tokenOf(trx, 'q')).rows.length}`)
      await sleep(20)
      order.push('transaction done')
    })
    await sleep(5)
    const outside = tokenOf(db, 'q').then(({ rows }) => void order.push(`outside: ${rows.length}`))
    await Promise.all([holding, outside])
    expect(order).toEqual(['inside: 1', 'transaction done', 'outside: 1'])
    expect((await tokenOf(db, 'q')).rows).toEqual([{ address: 'Rquinn' }])
  })

  it('rolls a failed transaction back and serves the next caller', async () => {
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('tokens').values({ token_hash: 'd', address: 'Rdave', expires_at: '2030-01-01T00:00:00.000Z' }).execute()
      throw new Error('stop')
    })
    await expect(failing).rejects.toThrow('stop')
    expect(await db.selectFrom('tokens').select('address').where('token_hash', '=', 'd').execute()).toEqual([])
  })

  describe('on a file, with another connection looking', () => {
    let folder: string
    let file: Kysely<AuthTables>
    let other: SQLite.Database
    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'vfx-chat-group-'))
      file = (await openDatabase(`sqlite:${join(folder, 'chat.db')}`, MIGRATIONS)).db.withTables<AuthTables>()
      other = new SQLite(join(folder, 'chat.db'), { readonly: true })
    })
    afterAll(async () => {
      other.close()
      await file.destroy()
      rmSync(folder, { recursive: true, force: true })
    })
    const seen = () => (other.prepare('select token_hash from tokens order by token_hash').pluck().all() as string[]).join(',')
    const add = (trx: Kysely<AuthTables>, hash: string) =>
      trx.insertInto('tokens').values({ token_hash: hash, address: `R${hash}`, expires_at: '2030-01-01T00:00:00.000Z' }).execute()

    it('commits transactions that queued for the connection together, and returns each only once it is committed', async () => {
      const whenReturned: Record<string, string> = {}
      const transaction = (hash: string, work: (trx: Kysely<AuthTables>) => Promise<unknown>) =>
        file
          .transaction()
          .execute(work)
          .then(() => void (whenReturned[hash] = seen()))
      await Promise.all([
        // The first holds the connection long enough for the others to queue behind it.
        transaction('g1', async (trx) => [await add(trx, 'g1'), await sleep(20)]),
        transaction('g2', (trx) => add(trx, 'g2')),
        transaction('g3', (trx) => add(trx, 'g3')),
      ])
      expect(whenReturned).toEqual({ g1: 'g1,g2,g3', g2: 'g1,g2,g3', g3: 'g1,g2,g3' })
    })

    it('rolls back only the member that failed; the others in its group commit', async () => {
      const results = await Promise.allSettled([
        file.transaction().execute(async (trx) => [await add(trx, 'h1'), await sleep(20)]),
        file.transaction().execute(async (trx) => {
          await add(trx, 'h2')
          throw new Error('stop')
        }),
        file.transaction().execute((trx) => add(trx, 'h3')),
      ])
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(seen()).toBe('g1,g2,g3,h1,h3')
    })

    describe('while another connection writes', () => {
      let writer: SQLite.Database
      beforeAll(() => {
        // No busy wait: a checkpoint blocked by a reader reports it at once.
        writer = new SQLite(join(folder, 'chat.db'), { timeout: 0 })
      })
      afterAll(() => writer.close())
      const written = (hash: string) =>
        writer.prepare('insert into tokens (token_hash, address, expires_at) values (?, ?, ?)').run(hash, `R${hash}`, '2030-01-01T00:00:00.000Z')
      const hashes = async () => (await file.selectFrom('tokens').select('token_hash').orderBy('token_hash').execute()).map((row) => row.token_hash).join(',')
      const turnEnds = () => new Promise((resolve) => setImmediate(resolve))

      it("reads of one turn see one state, and hold SQLite's read lock only until the turn ends", async () => {
        const before = await hashes()
        written('r1')
        expect(await hashes()).toBe(before)
        // A truncating checkpoint must wait for every reader; this turn's still holds its snapshot.
        expect(writer.pragma('wal_checkpoint(TRUNCATE)')).toEqual([expect.objectContaining({ busy: 1 })])
        await turnEnds()
        expect(writer.pragma('wal_checkpoint(TRUNCATE)')).toEqual([expect.objectContaining({ busy: 0 })])
        expect(await hashes()).toBe(`${before},r1`)
      })

      it('writes after reads of the same turn, though another connection wrote since they began', async () => {
        const s1Seen = async (trx: Kysely<AuthTables>) => (await trx.selectFrom('tokens').select('token_hash').where('token_hash', '=', 's1').execute()).length
        await hashes()
        written('s1')
        await file.transaction().execute(async (trx) => add(trx, `s2-after-${await s1Seen(trx)}`))
        await hashes()
        written('s3')
        await add(file, 's4')
        expect(seen()).toBe('g1,g2,g3,h1,h3,r1,s1,s2-after-1,s3,s4')
      })
    })
  })
})
