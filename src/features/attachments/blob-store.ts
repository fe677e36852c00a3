import { createHash } from 'node:crypto'
import { Transform, type Readable, type TransformCallback } from 'node:stream'

/** What `put` stored: the blob's name (SHA-256 of its bytes, lowercase hex) and its length. */
export interface StoredBlob {
  readonly sha256: string
  readonly size: number
}

/** Bytes `start` to `end` of a blob, both included, as in an HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * Where attachment bytes live, named by their SHA-256 so the same bytes are stored once.
 * Implementations: `FilesystemBlobStore` (one node) and `PostgresBlobStore` (a cluster);
 * an S3-compatible one would take the same shape. Deleting a blob still referenced by an
 * attachment is the feature's business, not the store's.
 *
 * ```ts
 * const { sha256, size } = await blobs.put(createReadStream(upload), { maxBytes: 25 << 20 })
 * const tail = await blobs.open(sha256, { start: size - 100, end: size - 1 })
 * ```
 */
export interface BlobStore {
  /**
   * Streams `source` in and names it by its hash. Past `maxBytes` it stops reading, throws
   * `BlobTooLarge` and keeps nothing.
   */
  put(source: Readable, limits: { readonly maxBytes: number }): Promise<StoredBlob>
  /** Streams the blob (or a range of it) out; undefined when there is no such blob. Throws `RangeNotSatisfiable`. */
  open(sha256: string, range?: ByteRange): Promise<Readable | undefined>
  /** The blob's length in bytes; undefined when there is no such blob. */
  size(sha256: string): Promise<number | undefined>
  has(sha256: string): Promise<boolean>
  /** Removes the blob; a missing one is no error. */
  delete(sha256: string): Promise<void>
  /**
   * Every blob with the time it was last put (ms since the epoch), in no set order: for the
   * collection of blobs that no attachment names any more.
   */
  list(): AsyncIterable<ListedBlob>
}

export interface ListedBlob {
  readonly sha256: string
  readonly storedAt: number
}

export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The blob is larger than ${maxBytes} bytes.`)
  }
}

export class RangeNotSatisfiable extends Error {
  constructor(
    readonly range: ByteRange,
    readonly size: number,
  ) {
    super(`Bytes ${range.start}-${range.end} are not within a blob of ${size} bytes.`)
  }
}

/** Only a well-formed name ever reaches a path or a query; anything else is simply not there. */
export function isSha256(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name)
}

/** Throws `RangeNotSatisfiable` unless the range lies within a blob of `size` bytes. */
export function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw new RangeNotSatisfiable(range, size)
  }
}

/**
 * Passes bytes through while hashing and counting them; fails the stream with `BlobTooLarge`
 * on the chunk that passes the cap, so a pipeline stops reading there.
 *
 * ```ts
 * const meter = new BlobMeter(maxBytes)
 * await pipeline(source, meter, sink)
 * const { sha256, size } = meter.stored()
 * ```
 */
export class BlobMeter extends Transform {
  readonly #maxBytes: number
  readonly #hash = createHash('sha256')
  #size = 0

  constructor(maxBytes: number) {
    super()
    this.#maxBytes = maxBytes
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length
    if (this.#size > this.#maxBytes) return callback(new BlobTooLarge(this.#maxBytes))
    this.#hash.update(chunk)
    callback(null, chunk)
  }

  /** The name and length of everything that passed; call once, after the stream ends. */
  stored(): StoredBlob {
    return { sha256: this.#hash.digest('hex'), size: this.#size }
  }
}
