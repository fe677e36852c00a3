import type { Generated } from 'kysely'

/** The attachments tables, as Kysely sees them (blobs live in a BlobStore, not here). */
export type AttachmentTables = {
  attachments: AttachmentTable
  attachment_keys: AttachmentKeyTable
}

export interface AttachmentTable {
  id: Generated<number>
  /** What the API shows: random, so one attachment's id tells nothing of another's. */
  public_id: string
  thread_id: number
  uploader: string
  /** Null from upload until a message is sent with it; uploads left null are swept. */
  message_id: number | null
  kind: 'image' | 'file'
  content_type: string
  name: string
  size: number
  sha256: string
  width: number | null
  height: number | null
  thumbnail_sha256: string | null
  created_at: string
}

/** Blobs kept in PostgreSQL (`PostgresBlobStore`, cluster mode). */
export type BlobTables = {
  blobs: { sha256: string; size: number | string | bigint; created_at: string }
  blob_chunks: { sha256: string; seq: number; data: Buffer }
}

/** The deployment's key for signing download URLs, made at first start and shared by every node. */
export interface AttachmentKeyTable {
  name: string
  secret: string
}
