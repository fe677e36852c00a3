/** The sign-in tables, as Kysely sees them. Times are RFC 3339 strings (see core/database). */
export type AuthTables = {
  challenges: ChallengeTable
  tokens: TokenTable
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
