import type { Generated, Kysely, Transaction } from 'kysely'
import type { ShopTables } from '../shops/index.js'

/**
 * The chat tables, as Kysely sees them. Times are RFC 3339 strings with milliseconds (`…T…Z`):
 * they sort as text and read back the same on SQLite and PostgreSQL. Flags are 0/1 integers
 * for the same reason. `shops` is read only, for the summary a thread shows (its owner, the
 * shops feature, writes it).
 */
export type ChatTables = {
  threads: ThreadTable
  thread_participants: ParticipantTable
  messages: MessageTable
  inbox: InboxTable
  inbox_counts: InboxCountTable
  message_edits: MessageEditTable
} & Pick<ShopTables, 'shops'>

export interface ThreadTable {
  id: Generated<number>
  uuid: string
  /** Sorted participant set plus shop id: the thread's identity (see thread-rules.ts). */
  participant_key: string
  shop_id: number | null
  /** Who created it (null for threads from before this was kept). */
  opened_by: string | null
  created_at: string
  updated_at: string
  last_message: string | null
  last_message_id: number | null
  /** Messages in the thread, tombstones included: the count of a message page, kept on write. */
  message_count: Generated<number>
}

export interface ParticipantTable {
  thread_id: number
  address: string
  /** Creation order of the participant list. */
  position: number
  last_read_id: Generated<number>
  /** Messages from others after last_read_id, kept on write so listing threads stays cheap. */
  unread_count: Generated<number>
  /** 1 once this participant deleted the thread; a new message clears it. */
  hidden: Generated<number>
  /** Copy of the thread's updated_at, so one index serves "my threads, newest first". */
  updated_at: string
}

export interface MessageTable {
  id: Generated<number>
  thread_id: number
  sender: string
  content: string
  client_id: string | null
  created_at: string
  edited_at: Generated<string | null>
  /** Who tombstoned the message: its sender, or a moderator; null while it stands. */
  deleted_by: Generated<MessageRemover | null>
}

export type MessageRemover = 'sender' | 'moderator'

/** An earlier wording of a message, kept when it is edited or deleted, for reports. */
export interface MessageEditTable {
  message_id: number
  content: string
  replaced_at: string
}

/** One row per message per recipient (sender excluded): new-messages reads it by index. */
export interface InboxTable {
  address: string
  message_id: number
  thread_id: number
  created_at: string
}

/** Per address, kept by triggers on thread_participants (chat-migrations.ts): its threads not hidden. */
export interface InboxCountTable {
  address: string
  threads: number
}

/** A query runner of the chat tables: the database, or one of its transactions. */
export type ChatDb = Kysely<ChatTables> | Transaction<ChatTables>
