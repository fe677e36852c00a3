import type { Kysely } from 'kysely'
import { prepared } from '../../core/database/prepared.js'
import type { AuthTables } from './auth-tables.js'

export interface StoredToken {
  address: string
  expires_at: string
}

/** Challenges and tokens, stored only as hashes. */
export class AuthRepository {
  readonly #db: Kysely<AuthTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<AuthTables>()
  }

  async saveChallenge(messageHash: string, address: string, expiresAt: string): Promise<void> {
    await this.#db.insertInto('challenges').values({ message_hash: messageHash, address, expires_at: expiresAt }).execute()
  }

  /** Deletes the challenge and reports whether it was there, for that address, unexpired: single use. */
  async consumeChallenge(messageHash: string, address: string, now: string): Promise<boolean> {
    const deleted = await this.#db
      .deleteFrom('challenges')
      .where('message_hash', '=', messageHash)
      .where('address', '=', address)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return deleted.numDeletedRows > 0n
  }

  async saveToken(tokenHash: string, address: string, expiresAt: string): Promise<void> {
    await this.#db.insertInto('tokens').values({ token_hash: tokenHash, address, expires_at: expiresAt }).execute()
  }

  async findToken(tokenHash: string, now: string): Promise<StoredToken | undefined> {
    return (await findToken(this.#db, tokenHash, now)).rows[0]
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('tokens').where('token_hash', '=', tokenHash).execute()
  }

  /** Deletes every token of the address; returns their hashes. */
  async deleteTokensOf(address: string): Promise<string[]> {
    const rows = await this.#db.deleteFrom('tokens').where('address', '=', address).returning('token_hash').execute()
    return rows.map((row) => row.token_hash)
  }

  async purgeExpired(now: string): Promise<void> {
    await this.#db.deleteFrom('challenges').where('expires_at', '<=', now).execute()
    await this.#db.deleteFrom('tokens').where('expires_at', '<=', now).execute()
  }
}

// Every authenticated request runs it: compiled once (see core/database/prepared.ts).
const findToken = prepared((db: Kysely<AuthTables>, tokenHash: string, now: string) =>
  db.selectFrom('tokens').select(['address', 'expires_at']).where('token_hash', '=', tokenHash).where('expires_at', '>', now),
)
