import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql, type Kysely } from 'kysely'
import type { BlobTables } from './attachment-tables.js'
import { BlobMeter, checkRange, isSha256, type BlobStore, type ByteRange, type ListedBlob, type StoredBlob } from './blob-store.js'

/**
 * Rows of `blob_chunks`. Part of the stored format: every chunk but a blob's last is exactly
 * this long, which is how a range finds its rows; changing it needs a migration.
 */
export const CHUNK_BYTES = 256 * 1024

const LIST_PAGE = 1000

/** Any fixed number: with a blob's first 32 bits, the advisory lock that orders its writes. */
const BLOB_LOCK = 0x626c6f62

/**
 * Blobs in PostgreSQL, for a cluster whose nodes share no disk: `blob_chunks` rows of
 * `CHUNK_BYTES`, streamed in and out a chunk at a time, and a `blobs` row written last in the
 * same transaction, so a blob is either whole or absent. Tables: `attachmentMigrations`.
 *
 * ```ts
 * const blobs = new PostgresBlobStore(db) // a Kysely over pg
 * const { sha256 } = await blobs.put(upload, { maxBytes: 25 << 20 })
 * ```
 */
export class PostgresBlobStore implements BlobStore {
  readonly #db: Kysely<BlobTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<BlobTables>()
  }

  /**
   * Chunks go in under a provisional name (the hash is known only at the end) and are renamed
   * once it is; the transaction stays open for the whole upload, so a dropped connection or a
   * crash leaves no row behind.
   */
  async put(source: Readable, limits: { readonly maxBytes: number }): Promise<StoredBlob> {
    return this.#db.transaction().execute(async (trx) => {
      const provisional = `incoming:${randomBytes(16).toString('hex')}`
      const meter = new BlobMeter(limits.maxBytes)
      await pipeline(source, meter, async (pieces: AsyncIterable<Buffer>) => {
        let seq = 0
        for await (const data of fixedChunks(pieces, CHUNK_BYTES)) {
          await trx.insertInto('blob_chunks').values({ sha256: provisional, seq: seq++, data }).execute()
        }
      })
      const blob = meter.stored()

      await lockBlob(trx, blob.sha256)
      const stored = await trx.selectFrom('blobs').select('sha256').where('sha256', '=', blob.sha256).executeTakeFirst()
      if (stored) {
        // The same bytes are stored once; the put still counts as recent for the collection.
        await trx.deleteFrom('blob_chunks').where('sha256', '=', provisional).execute()
        await trx.updateTable('blobs').set({ created_at: new Date().toISOString() }).where('sha256', '=', blob.sha256).execute()
      } else {
        await trx.updateTable('blob_chunks').set({ sha256: blob.sha256 }).where('sha256', '=', provisional).execute()
        await trx
          .insertInto('blobs')
          .values({ sha256: blob.sha256, size: blob.size, created_at: new Date().toISOString() })
          .execute()
      }
      return blob
    })
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    const size = await this.size(sha256)
    if (size === undefined) return undefined
    if (range) checkRange(range, size)
    // An empty blob has no chunk; its whole is the empty range.
    if (size === 0) return Readable.from([])
    return Readable.from(this.#chunks(sha256, range ?? { start: 0, end: size - 1 }))
  }

  async size(sha256: string): Promise<number | undefined> {
    if (!isSha256(sha256)) return undefined
    const blob = await this.#db.selectFrom('blobs').select('size').where('sha256', '=', sha256).executeTakeFirst()
    // bigint arrives as a string from pg.
    return blob ? Number(blob.size) : undefined
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== undefined
  }

  async delete(sha256: string): Promise<void> {
    if (!isSha256(sha256)) return
    await this.#db.transaction().execute(async (trx) => {
      // Waits for a `put` of the same bytes, which would otherwise find this blob and keep none.
      await lockBlob(trx, sha256)
      await trx.deleteFrom('blobs').where('sha256', '=', sha256).execute()
      await trx.deleteFrom('blob_chunks').where('sha256', '=', sha256).execute()
    })
  }

  /** Pages of blob rows by name, so the walk never holds the whole table. */
  async *list(): AsyncIterable<ListedBlob> {
    for (let after = ''; ; ) {
      const page = await this.#db
        .selectFrom('blobs')
        .select(['sha256', 'created_at'])
        .where('sha256', '>', after)
        .orderBy('sha256')
        .limit(LIST_PAGE)
        .execute()
      for (const row of page) yield { sha256: row.sha256, storedAt: Date.parse(row.created_at) }
      if (page.length < LIST_PAGE) return
      after = page.at(-1)!.sha256
    }
  }

  /** One query per chunk, so memory holds one chunk however long the blob or the range. */
  async *#chunks(sha256: string, { start, end }: ByteRange): AsyncGenerator<Buffer> {
    for (let seq = Math.floor(start / CHUNK_BYTES); seq * CHUNK_BYTES <= end; seq++) {
      const offset = seq * CHUNK_BYTES
      const from = Math.max(start - offset, 0)
      const length = Math.min(end - offset + 1, CHUNK_BYTES) - from
      const chunk = await this.#db
        .selectFrom('blob_chunks')
        // substring counts from 1.
        .select(sql<Buffer>`substring(data from ${from + 1} for ${length})`.as('data'))
        .where('sha256', '=', sha256)
        .where('seq', '=', seq)
        .executeTakeFirst()
      if (!chunk) throw new Error(`Blob ${sha256} was deleted while being read.`)
      yield chunk.data
    }
  }
}

async function lockBlob(trx: Kysely<BlobTables>, sha256: string): Promise<void> {
  const key = Number.parseInt(sha256.slice(0, 8), 16) | 0
  await sql`select pg_advisory_xact_lock(${BLOB_LOCK}::int4, ${key}::int4)`.execute(trx)
}

/** Regroups a stream's pieces, whatever their lengths, into chunks of exactly `size` (the last shorter). */
async function* fixedChunks(pieces: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let length = 0
  for await (const piece of pieces) {
    pending.push(piece)
    length += piece.length
    if (length < size) continue
    let joined = Buffer.concat(pending, length)
    for (; joined.length >= size; joined = joined.subarray(size)) yield joined.subarray(0, size)
    pending = [joined]
    length = joined.length
  }
  if (length > 0) yield Buffer.concat(pending, length)
}
