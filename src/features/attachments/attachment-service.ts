import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Transaction } from 'kysely'
import { timestamp, type Clock } from '../../core/clock.js'
import { Invalid, NotFound, PayloadTooLarge, RangeNotSatisfiable, RateLimited } from '../../core/errors.js'
import type { AttachmentRecord, AttachmentRepository } from './attachment-repository.js'
import type { Attachment } from './attachment-schemas.js'
import type { BlobStore, ByteRange } from './blob-store.js'
import { SignedUrls, type Variant } from './signed-urls.js'
import { inspectUpload } from './upload-inspection.js'

export interface AttachmentOptions {
  /** Bytes one upload may have (MAX_ATTACHMENT_BYTES). */
  maxBytes: number
  /** Bytes one address may upload in 24 hours; 0 turns the quota off (ATTACHMENT_DAILY_BYTES). */
  dailyBytes: number
  /** Seconds an upload may wait to be sent before it is swept (ATTACHMENT_SWEEP_AFTER). */
  sweepAfter: number
  clock: Clock
}

/** The thread a caller sees, by uuid; NotFound otherwise (the chat feature answers it). */
export type ThreadAccess = (caller: string, uuid: string) => Promise<{ id: number }>

/** What a download sends: the bytes and the headers that keep them from running as a page. */
export interface Download {
  body: Readable
  size: number
  range: ByteRange | undefined
  contentType: string
  disposition: string
}

const DAY_MS = 86_400_000
/** A blob stored this recently may belong to an upload still being recorded: collection spares it. */
const COLLECTION_GRACE_MS = 3_600_000
const MAX_PER_MESSAGE = 10

/**
 * Pictures and files in messages: an upload is checked by its bytes, stored once by hash, and
 * waits for a message to claim it; downloads go through short-lived signed URLs.
 */
export class AttachmentService {
  readonly #repository: AttachmentRepository
  readonly #blobs: BlobStore
  readonly #threadOf: ThreadAccess
  readonly #urls: SignedUrls
  readonly #options: AttachmentOptions

  constructor(
    parts: { repository: AttachmentRepository; blobs: BlobStore; threadOf: ThreadAccess; signingSecret: string },
    options: AttachmentOptions,
  ) {
    this.#repository = parts.repository
    this.#blobs = parts.blobs
    this.#threadOf = parts.threadOf
    this.#urls = new SignedUrls(parts.signingSecret, options.clock)
    this.#options = options
  }

  /**
   * Streams an upload to a temporary file (stopping at the size cap), decides its type by its
   * bytes, stores what may be served and records it for the caller in the thread.
   */
  async upload(caller: string, uuid: string, upload: { body: Readable; name: string | undefined; length: number | undefined }) {
    const thread = await this.#threadOf(caller, uuid)
    if (upload.length !== undefined && upload.length > this.#options.maxBytes) throw this.#tooLarge()
    await this.#checkQuota(caller, upload.length ?? 0)
    const folder = join(tmpdir(), 'vfx-chat-uploads')
    await mkdir(folder, { recursive: true })
    const path = join(folder, randomBytes(16).toString('hex'))
    try {
      const size = await this.#receive(upload.body, path)
      if (size === 0) throw new Invalid('file', 'The submitted file is empty.')
      // Counted again only when the body was not the length it announced (or announced none).
      if (size !== upload.length) await this.#checkQuota(caller, size)
      const inspected = await inspectUpload(path)
      const original = await this.#store(inspected.kind === 'image' ? Readable.from([inspected.original]) : createReadStream(path))
      const thumbnail = inspected.kind === 'image' ? await this.#store(Readable.from([inspected.thumbnail])) : null
      const record = {
        public_id: randomBytes(16).toString('base64url'),
        thread_id: thread.id,
        uploader: caller,
        kind: inspected.kind,
        content_type: inspected.content_type,
        name: fileName(upload.name),
        size: original.size,
        sha256: original.sha256,
        width: inspected.kind === 'image' ? inspected.width : null,
        height: inspected.kind === 'image' ? inspected.height : null,
        thumbnail_sha256: thumbnail?.sha256 ?? null,
        created_at: timestamp(this.#options.clock),
      }
      await this.#repository.create(record)
      return this.#view({ ...record, id: 0, message_id: null })
    } finally {
      await rm(path, { force: true })
    }
  }

  /** Checks a message's attachment ids before its transaction: shape only, ownership is checked by `claim`. */
  checkIds(publicIds: readonly string[]): void {
    if (publicIds.length > MAX_PER_MESSAGE) throw new Invalid('attachments', `At most ${MAX_PER_MESSAGE} attachments per message.`)
    if (new Set(publicIds).size !== publicIds.length) throw new Invalid('attachments', 'Attachments must be distinct.')
  }

  /**
   * Ties the uploads to a new message in its transaction; throws Invalid (rolling the message
   * back) unless each is the sender's own unsent upload in this thread.
   */
  async claim(
    trx: Transaction<object>,
    claim: { publicIds: readonly string[]; threadId: number; uploader: string; messageId: number },
  ): Promise<Attachment[]> {
    const claimed = await this.#repository.claim(trx, claim)
    if (claimed.length !== claim.publicIds.length) {
      throw new Invalid('attachments', 'Each attachment must be your own upload to this thread, not yet sent.')
    }
    const order = new Map(claim.publicIds.map((id, index) => [id, index]))
    return claimed.sort((a, b) => order.get(a.public_id)! - order.get(b.public_id)!).map((record) => this.#view(record))
  }

  /** The attachments of each message, for views of messages from any threads. */
  async ofMessages(messageIds: readonly number[]): Promise<Map<number, Attachment[]>> {
    return this.#byMessage(await this.#repository.ofMessages(messageIds))
  }

  /** The attachments of each of one thread's messages (a page: the ids between its first and last). */
  async ofThreadMessages(threadId: number, messageIds: readonly number[]): Promise<Map<number, Attachment[]>> {
    if (messageIds.length === 0) return new Map()
    const wanted = new Set(messageIds)
    const records = await this.#repository.ofThreadMessages(threadId, Math.min(...messageIds), Math.max(...messageIds))
    return this.#byMessage(records.filter((record) => wanted.has(record.message_id!)))
  }

  #byMessage(records: readonly AttachmentRecord[]): Map<number, Attachment[]> {
    const byMessage = new Map<number, Attachment[]>()
    for (const record of records) {
      const list = byMessage.get(record.message_id!) ?? []
      list.push(this.#view(record))
      byMessage.set(record.message_id!, list)
    }
    return byMessage
  }

  /** A download by signed URL; anything wrong (unknown id, bad or expired signature) is 404. */
  async download(
    publicId: string,
    variant: Variant,
    signed: { expires?: string; signature?: string },
    range: string | undefined,
  ): Promise<Download> {
    if (!this.#urls.verify(publicId, variant, signed.expires, signed.signature)) throw new NotFound()
    const record = await this.#repository.find(publicId)
    const sha256 = variant === 'thumbnail' ? record?.thumbnail_sha256 : record?.sha256
    const size = sha256 ? await this.#blobs.size(sha256) : undefined
    if (!record || !sha256 || size === undefined) throw new NotFound()
    const byteRange = parseRange(range, size)
    const body = await this.#blobs.open(sha256, byteRange)
    if (!body) throw new NotFound()
    // Only a picture this server re-encoded is ever shown inline; anything else is a download.
    const inline = record.kind === 'image'
    return {
      body,
      size,
      range: byteRange,
      contentType: variant === 'thumbnail' ? 'image/webp' : record.content_type,
      disposition: `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(record.name)}`,
    }
  }

  /** Deletes uploads never sent within ATTACHMENT_SWEEP_AFTER, and the bytes no attachment names any more. */
  async sweep(): Promise<number> {
    const cutoff = timestamp(this.#options.clock, -this.#options.sweepAfter * 1000)
    const blobs = await this.#repository.deleteUnsent(cutoff)
    for (const sha256 of new Set(blobs)) {
      if (!(await this.#repository.isBlobUsed(sha256))) await this.#blobs.delete(sha256)
    }
    return blobs.length
  }

  /**
   * Deletes the blobs no attachment names any more (a purged thread's, a swept upload's whose
   * delete failed), sparing recent ones: an upload stores its bytes before its record. Walks
   * the whole store, so it runs seldom (hourly). Returns how many it deleted.
   */
  async collectGarbage(): Promise<number> {
    const before = this.#options.clock.now() - COLLECTION_GRACE_MS
    let deleted = 0
    for await (const blob of this.#blobs.list()) {
      if (blob.storedAt >= before || (await this.#repository.isBlobUsed(blob.sha256))) continue
      await this.#blobs.delete(blob.sha256)
      deleted++
    }
    return deleted
  }

  async #receive(body: Readable, path: string): Promise<number> {
    let size = 0
    const maxBytes = this.#options.maxBytes
    const tooLarge = this.#tooLarge()
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        size += chunk.length
        callback(size > maxBytes ? tooLarge : null, chunk)
      },
    })
    await pipeline(body, counter, createWriteStream(path))
    return size
  }

  async #store(source: Readable) {
    return this.#blobs.put(source, { maxBytes: Number.MAX_SAFE_INTEGER })
  }

  async #checkQuota(caller: string, adding: number): Promise<void> {
    if (this.#options.dailyBytes === 0) return
    const since = timestamp(this.#options.clock, -DAY_MS)
    if ((await this.#repository.bytesUploadedSince(caller, since)) + adding > this.#options.dailyBytes) {
      throw new RateLimited(3600)
    }
  }

  #tooLarge(): PayloadTooLarge {
    return new PayloadTooLarge(`File is too large (limit ${formatBytes(this.#options.maxBytes)}).`)
  }

  #view(record: AttachmentRecord): Attachment {
    return {
      id: record.public_id,
      kind: record.kind,
      content_type: record.content_type,
      size: record.size,
      name: record.name,
      width: record.width,
      height: record.height,
      url: this.#urls.path(record.public_id, 'original'),
      thumbnail_url: record.thumbnail_sha256 ? this.#urls.path(record.public_id, 'thumbnail') : null,
    }
  }

  /** Every upload of `uploader`, sent or not, oldest first: what an export lists (no URLs). */
  async uploadsOf(uploader: string): Promise<{ id: string; name: string; content_type: string; size: number; created_at: string }[]> {
    const uploads = []
    const pageSize = 500
    for (let afterId = 0; ; ) {
      const page = await this.#repository.uploadsOf(uploader, afterId, pageSize)
      uploads.push(...page.map(({ public_id, name, content_type, size, created_at }) => ({ id: public_id, name, content_type, size, created_at })))
      if (page.length < pageSize) return uploads
      afterId = page.at(-1)!.id
    }
  }

  /**
   * Deletes the records of every upload of `uploader` in the caller's transaction (an erased
   * account's); the hourly collection frees their bytes once nothing else names them.
   */
  deleteUploadsOf(trx: Transaction<object>, uploader: string): Promise<void> {
    return this.#repository.deleteUploadsOf(trx, uploader)
  }

  /** Deletes the attachments of these messages in the transaction that deletes or tombstones them. */
  deleteOfMessages(trx: Transaction<object>, messageIds: readonly number[]): Promise<void> {
    return this.#repository.deleteOfMessages(trx, messageIds)
  }
}

/** A display name: no path, no control characters, at most 255 characters. */
function fileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255)
  return clean === '' ? 'file' : clean
}

/** `Range: bytes=a-b`, `a-` or `-n`; undefined for no (or an unusable multi-) range, as HTTP allows. */
function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  const range =
    match[1] === ''
      ? { start: Math.max(0, size - Number(match[2])), end: size - 1 }
      : { start: Number(match[1]), end: match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1) }
  if (range.start > range.end || range.start >= size) throw new RangeNotSatisfiable(size)
  return range
}

function formatBytes(bytes: number): string {
  if (bytes % 1_048_576 === 0) return `${bytes / 1_048_576} MiB`
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`
}
