import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BlobMeter, checkRange, isSha256, type BlobStore, type ByteRange, type ListedBlob, type StoredBlob } from './blob-store.js'

/**
 * Blobs as files under one directory: `<directory>/ab/cdef…` for the blob `abcdef…`.
 * A blob is written to `<directory>/incoming/`, fsynced, then renamed to its name and its
 * folder fsynced, so a crash at any moment leaves either the whole blob or no blob under the
 * name, plus at worst a temporary file that `sweepIncoming()` removes.
 *
 * ```ts
 * const blobs = new FilesystemBlobStore(join(dataDir, 'blobs'))
 * await blobs.sweepIncoming() // at start-up: what a crash left half-written
 * ```
 */
export class FilesystemBlobStore implements BlobStore {
  readonly #directory: string
  readonly #incoming: string
  /** Temporary files this store is writing now, which a sweep must leave alone. */
  readonly #writing = new Set<string>()

  constructor(directory: string) {
    this.#directory = directory
    // Same file system as the blobs, so the final rename is atomic.
    this.#incoming = join(directory, 'incoming')
  }

  async put(source: Readable, limits: { readonly maxBytes: number }): Promise<StoredBlob> {
    await mkdir(this.#incoming, { recursive: true })
    const temporary = join(this.#incoming, randomBytes(16).toString('hex'))
    this.#writing.add(temporary)
    try {
      const blob = await this.#writeTemporary(source, temporary, limits.maxBytes)
      await this.#publish(temporary, blob.sha256)
      return blob
    } finally {
      this.#writing.delete(temporary)
      await rm(temporary, { force: true })
    }
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    // Open first, then measure the open file: a delete in between cannot cut the stream short.
    const file = await this.#openBlob(sha256)
    if (!file) return undefined
    try {
      if (range) checkRange(range, (await file.stat()).size)
      return file.createReadStream(range ? { start: range.start, end: range.end } : {})
    } catch (error) {
      await file.close()
      throw error
    }
  }

  async size(sha256: string): Promise<number | undefined> {
    if (!isSha256(sha256)) return undefined
    try {
      return (await stat(this.#path(sha256))).size
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== undefined
  }

  async delete(sha256: string): Promise<void> {
    if (isSha256(sha256)) await rm(this.#path(sha256), { force: true })
  }

  async *list(): AsyncIterable<ListedBlob> {
    for (const prefix of await namesIn(this.#directory)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue
      for (const rest of await namesIn(join(this.#directory, prefix))) {
        const sha256 = prefix + rest
        if (!isSha256(sha256)) continue
        // A rename puts the file in place with its own mtime: the time of its last put.
        const info = await stat(this.#path(sha256)).catch((error: unknown) => (isMissing(error) ? undefined : Promise.reject(error)))
        if (info) yield { sha256, storedAt: info.mtimeMs }
      }
    }
  }

  /** Removes the temporary files of writes that never finished (a crash, a killed process). */
  async sweepIncoming(): Promise<void> {
    for (const name of await namesIn(this.#incoming)) {
      const path = join(this.#incoming, name)
      if (!this.#writing.has(path)) await rm(path, { force: true })
    }
  }

  async #writeTemporary(source: Readable, temporary: string, maxBytes: number): Promise<StoredBlob> {
    const meter = new BlobMeter(maxBytes)
    const file = await open(temporary, 'wx')
    try {
      await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await file.write(chunk)
      })
      await file.sync()
    } finally {
      await file.close()
    }
    return meter.stored()
  }

  async #publish(temporary: string, sha256: string): Promise<void> {
    // Renaming over a blob of the same name replaces it with the same bytes, so they are stored
    // once; skipping the rename instead could lose the blob to a delete running meanwhile.
    const folder = join(this.#directory, sha256.slice(0, 2))
    const created = await mkdir(folder, { recursive: true })
    await rename(temporary, this.#path(sha256))
    await syncDirectory(folder)
    // A new folder's own entry lives in the parent, which must reach the disk too.
    if (created) await syncDirectory(this.#directory)
  }

  async #openBlob(sha256: string): Promise<FileHandle | undefined> {
    if (!isSha256(sha256)) return undefined
    try {
      return await open(this.#path(sha256), 'r')
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  #path(sha256: string): string {
    return join(this.#directory, sha256.slice(0, 2), sha256.slice(2))
  }
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r')
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}

/** The entries of a folder; none when it does not exist (yet). */
async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder)
  } catch (error) {
    if (isMissing(error)) return []
    throw error
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT'
}
