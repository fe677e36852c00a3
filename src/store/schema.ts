import type { Generated } from 'kysely'

/**
 * Tables as Kysely sees them. Times are RFC 3339 strings with milliseconds (`…T…Z`): they
 * sort as text and read back the same on SQLite and PostgreSQL. Flags are 0/1 integers for
 * the same reason.
 */
export interface Database {
  shops: ShopTable
  threads: ThreadTable
  thread_participants: ParticipantTable
  messages: MessageTable
  inbox: InboxTable
  challenges: ChallengeTable
  tokens: TokenTable
}

export interface ShopTable {
  id: Generated<number>
  name: string
  url: string
  /** The URL without its scheme: unique, so vfx:// and rbx:// cannot name two shops. */
  slug: string
  owner_address: string
  created_at: string
}

export interface ThreadTable {
  id: Generated<number>
  uuid: string
  /** Sorted participant set plus shop id: the thread's identity (see domain/thread.ts). */
  participant_key: string
  shop_id: number | null
  created_at: string
  updated_at: string
  last_message: string | null
  last_message_id: number | null
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
}

/** One row per message per recipient (sender excluded): new-messages reads it by index. */
export interface InboxTable {
  address: string
  message_id: number
  thread_id: number
  created_at: string
}

export interface ChallengeTable {
  /** SHA-256 of the challenge text; the text itself goes back to the client only. */
  message_hash: string
  address: string
  expires_at: string
}

export interface TokenTable {
  /** SHA-256 of the bearer token: a leaked database yields no usable token. */
  token_hash: string
  address: string
  expires_at: string
}
