/** The consent tables, as Kysely sees them. */
export type ConsentTables = {
  consent_requests: ConsentRequestTable
  consent_settings: ConsentSettingsTable
}

/**
 * A thread that waits for one participant's consent, or that they declined. No row means
 * accepted: every thread from before this feature, and every thread once answered.
 */
export interface ConsentRequestTable {
  thread_id: number
  /** Whose consent it waits for. */
  address: string
  /** Who opened the thread with them, or added them to it. */
  opener: string
  state: PendingConsent
  created_at: string
}

export type PendingConsent = 'request' | 'declined'

/** An address's own choice; no row means the server's default (MESSAGE_REQUESTS), and shops accept. */
export interface ConsentSettingsTable {
  address: string
  message_requests: number
  shop_requests: number
}
