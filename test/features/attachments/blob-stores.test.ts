import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlobTooLarge, RangeNotSatisfiable, type BlobStore } from '../../../src/features/attachments/blob-store.js'
import { FilesystemBlobStore } from '../../../src/features/attachments/filesystem-blob-store.js'
import { CHUNK_BYTES, PostgresBlobStore } from '../../../src/features/attachments/postgres-blob-store.js'
import { openAttachmentDatabase } from './databases.js'

/** A store on a fresh backend, with a look at what it keeps underneath. */
interface BlobStoreFixture {
  readonly store: BlobStore
  /** How many blobs are stored, each counted once however often it was put. */
  storedCount(): Promise<number>
  /** What unfinished writes left behind: temporary files or provisional chunks. */
  leftoverCount(): Promise<number>
  close(): Promise<void>
}

const BACKENDS: Record<string, () => Promise<BlobStoreFixture>> = {
  async filesystem() {
    const directory = await mkdtemp(join(tmpdir(), 'vfx-chat-blobs-'))
    const filesIn = async (folders: string[]) =>
      (await Promise.all(folders.map((folder) => readdir(join(directory, folder))))).flat().length
    const folders = async () => (await readdir(directory).catch(() => [])).filter((name) => name !== 'incoming')
    return {
      store: new FilesystemBlobStore(directory),
      storedCount: async () => filesIn(await folders()),
      leftoverCount: async () => filesIn(['incoming']).catch(() => 0),
      close: () => rm(directory, { recursive: true, force: true }),
    }
  },
  async postgres() {
    const { db, connection, close } = await openAttachmentDatabase('postgres')
    const count = async (query: ReturnType<typeof sql<{ count: string }>>) => Number((await query.execute(db)).rows[0]?.count)
    return {
      store: new PostgresBlobStore(connection),
      storedCount: () => count(sql`select count(*) from blobs`),
      leftoverCount: () => count(sql`select count(*) from blob_chunks where sha256 not in (select sha256 from blobs)`),
      close,
    }
  },
}

/** A blob over three chunks of the PostgreSQL store, arriving in pieces that match no chunk edge. */
const LARGE = randomBytes(2 * CHUNK_BYTES + 12_345)
const MAX_BYTES = 10 * 1024 * 1024

function piecesOf(bytes: Buffer, pieceBytes = 50_000): Readable {
  const pieces: Buffer[] = []
  for (let at = 0; at < bytes.length; at += pieceBytes) pieces.push(bytes.subarray(at, at + pieceBytes))
  return Readable.from(pieces)
}

async function read(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) throw new Error('No such blob.')
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

for (const [backend, open] of Object.entries(BACKENDS)) {
  describe(`${backend} blob store`, () => {
    let fixture: BlobStoreFixture
    let store: BlobStore
    beforeEach(async () => {
      fixture = await open()
      store = fixture.store
    })
    afterEach(() => fixture.close())

    it('names a blob by the SHA-256 of its bytes and gives back the same bytes', async () => {
      const blob = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })

      expect(blob).toEqual({ sha256: sha256Of(LARGE), size: LARGE.length })
      expect(await store.has(blob.sha256)).toBe(true)
      expect(await store.size(blob.sha256)).toBe(LARGE.length)
      expect(sha256Of(await read(await store.open(blob.sha256)))).toBe(blob.sha256)
    })

    it('stores the same bytes once', async () => {
      const first = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })
      const second = await store.put(piecesOf(LARGE, 70_000), { maxBytes: MAX_BYTES })

      expect(second).toEqual(first)
      expect(await fixture.storedCount()).toBe(1)
      expect(await fixture.leftoverCount()).toBe(0)
    })

    it('stores the same bytes once when they arrive together', async () => {
      const puts = [50_000, 70_000, 90_000].map((pieceBytes) => store.put(piecesOf(LARGE, pieceBytes), { maxBytes: MAX_BYTES }))

      expect(new Set((await Promise.all(puts)).map((blob) => blob.sha256))).toEqual(new Set([sha256Of(LARGE)]))
      expect(await fixture.storedCount()).toBe(1)
      expect(await fixture.leftoverCount()).toBe(0)
      expect(sha256Of(await read(await store.open(sha256Of(LARGE))))).toBe(sha256Of(LARGE))
    })

    it('stores an empty blob', async () => {
      const blob = await store.put(Readable.from([]), { maxBytes: MAX_BYTES })

      expect(blob).toEqual({ sha256: sha256Of(Buffer.alloc(0)), size: 0 })
      expect(await read(await store.open(blob.sha256))).toEqual(Buffer.alloc(0))
    })

    it('stops reading at the cap, throws BlobTooLarge and keeps nothing', async () => {
      let piecesRead = 0
      async function* endless() {
        for (; piecesRead < 1000; piecesRead++) yield randomBytes(64 * 1024)
      }

      const put = store.put(Readable.from(endless()), { maxBytes: 5 * 64 * 1024 })

      await expect(put).rejects.toBeInstanceOf(BlobTooLarge)
      expect(piecesRead).toBeLessThan(10)
      expect(await fixture.storedCount()).toBe(0)
      expect(await fixture.leftoverCount()).toBe(0)
    })

    it('a blob of exactly the cap is stored', async () => {
      const bytes = randomBytes(1000)
      expect(await store.put(piecesOf(bytes, 100), { maxBytes: 1000 })).toEqual({ sha256: sha256Of(bytes), size: 1000 })
    })

    it('streams out a range, both ends included, within a chunk or across chunks', async () => {
      const { sha256 } = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })
      const ranges = [
        { start: 0, end: 0 },
        { start: 10, end: 99 },
        { start: CHUNK_BYTES - 5, end: CHUNK_BYTES + 5 },
        { start: 100, end: 2 * CHUNK_BYTES + 100 },
        { start: LARGE.length - 1, end: LARGE.length - 1 },
        { start: 0, end: LARGE.length - 1 },
      ]
      for (const range of ranges) {
        // By hash: a deep comparison of half a megabyte takes seconds.
        expect(sha256Of(await read(await store.open(sha256, range)))).toBe(sha256Of(LARGE.subarray(range.start, range.end + 1)))
      }
    })

    it('refuses a range outside the blob with RangeNotSatisfiable', async () => {
      const { sha256 } = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })
      for (const range of [
        { start: 0, end: LARGE.length },
        { start: 10, end: 9 },
        { start: -1, end: 5 },
      ]) {
        await expect(store.open(sha256, range)).rejects.toBeInstanceOf(RangeNotSatisfiable)
      }
    })

    it('knows nothing of a missing blob or a name that is no SHA-256', async () => {
      for (const name of [sha256Of(Buffer.from('never stored')), '../../etc/passwd', 'AB'.repeat(32)]) {
        expect(await store.open(name)).toBeUndefined()
        expect(await store.size(name)).toBeUndefined()
        expect(await store.has(name)).toBe(false)
        await store.delete(name)
      }
    })

    it('deletes a blob', async () => {
      const { sha256 } = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })

      await store.delete(sha256)

      expect(await store.has(sha256)).toBe(false)
      expect(await store.open(sha256)).toBeUndefined()
      expect(await fixture.storedCount()).toBe(0)
      expect(await fixture.leftoverCount()).toBe(0)
    })

    it('lists every blob with the time of its last put', async () => {
      const before = Date.now() - 1000
      const first = await store.put(piecesOf(LARGE), { maxBytes: MAX_BYTES })
      const second = await store.put(Readable.from([Buffer.from('second')]), { maxBytes: MAX_BYTES })
      const listed = []
      for await (const blob of store.list()) listed.push(blob)
      expect(listed.map((blob) => blob.sha256).sort()).toEqual([first.sha256, second.sha256].sort())
      for (const blob of listed) expect(blob.storedAt).toBeGreaterThanOrEqual(before)
      await store.delete(first.sha256)
      const left = []
      for await (const blob of store.list()) left.push(blob.sha256)
      expect(left).toEqual([second.sha256])
    })
  })
}

describe('filesystem blob store after a crash', () => {
  let directory: string
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'vfx-chat-blobs-'))
  })
  afterEach(() => rm(directory, { recursive: true, force: true }))

  it('never shows a half-written temporary file as a blob, and the sweep removes it', async () => {
    const bytes = randomBytes(1000)
    await mkdir(join(directory, 'incoming'), { recursive: true })
    await writeFile(join(directory, 'incoming', 'a-write-cut-short'), bytes)
    const store = new FilesystemBlobStore(directory)

    expect(await store.has(sha256Of(bytes))).toBe(false)
    await store.sweepIncoming()

    expect(await readdir(join(directory, 'incoming'))).toEqual([])
  })

  it('the sweep leaves a write in progress alone', async () => {
    const store = new FilesystemBlobStore(directory)
    const bytes = randomBytes(1000)
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    async function* slow() {
      yield bytes.subarray(0, 500)
      await released
      yield bytes.subarray(500)
    }

    const put = store.put(Readable.from(slow()), { maxBytes: MAX_BYTES })
    await expect.poll(() => readdir(join(directory, 'incoming')).catch(() => [])).toHaveLength(1)
    await store.sweepIncoming()
    release()

    expect(await put).toEqual({ sha256: sha256Of(bytes), size: 1000 })
    expect(await read(await store.open(sha256Of(bytes)))).toEqual(bytes)
  })

  it('a sweep of a store never written to does nothing', async () => {
    await new FilesystemBlobStore(join(directory, 'never-written')).sweepIncoming()
  })
})
