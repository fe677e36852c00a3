/** The e-mail digests' own table, as Kysely sees it. */
export type EmailTables = {
  email_addresses: EmailAddressTable
}

/** The one e-mail address a person bound, and where their digests stand. */
export interface EmailAddressTable {
  address: string
  email: string
  verified_at: string | null
  /** SHA-256 of the link's token while the address waits for its click; null once verified. */
  verification_hash: string | null
  verification_expires_at: string | null
  /** When the last verification mail was asked for: one a minute at most, so nobody is mail-bombed through us. */
  verification_asked_at: string
  /**
   * The token of every digest's one-click unsubscribe link. Kept readable because each digest
   * carries it again; all it can do is turn e-mail off.
   */
  unsubscribe_token: string
  /** The newest message id a digest told of (or the newest when the address was verified): digests tell only of later ones. */
  digested_up_to: number
  /** When the planned digest job is due: events before then need no job of their own. */
  digest_due_at: string | null
  /** A node sending a digest holds the address until then; a crash lets it run out. */
  sending_until: string | null
  last_digest_at: string | null
  created_at: string
}
