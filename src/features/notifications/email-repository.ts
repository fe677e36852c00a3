import type { ExpressionBuilder, Kysely, Transaction } from 'kysely'
import { preparedList } from '../../core/database/prepared.js'
import type { EmailAddressTable, EmailTables } from './email-tables.js'

export type EmailAddressRecord = EmailAddressTable

/** The only SQL on bound e-mail addresses. */
export class EmailRepository {
  readonly #db: Kysely<EmailTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<EmailTables>()
  }

  async find(address: string): Promise<EmailAddressRecord | undefined> {
    return this.#db.selectFrom('email_addresses').selectAll().where('address', '=', address).executeTakeFirst()
  }

  /**
   * Binds `email` to `address` anew (unverified, a new unsubscribe token, digests from scratch)
   * unless its last verification mail was asked for after `askedBefore`, and runs `then` in the
   * same transaction (the job that mails the link). False when the limit held it back.
   */
  async bind(
    record: Pick<EmailAddressRecord, 'address' | 'email' | 'verification_asked_at' | 'unsubscribe_token' | 'created_at'>,
    askedBefore: string,
    then: (trx: Transaction<object>) => Promise<void>,
  ): Promise<boolean> {
    const { address, ...fields } = record
    const fresh = {
      ...fields,
      verified_at: null,
      verification_hash: null,
      verification_expires_at: null,
      digested_up_to: 0,
      digest_due_at: null,
      sending_until: null,
      last_digest_at: null,
    }
    return this.#db.transaction().execute(async (trx) => {
      const { numInsertedOrUpdatedRows } = await trx
        .insertInto('email_addresses')
        .values({ address, ...fresh })
        // One statement decides, so requests at once cannot both pass the limit.
        .onConflict((conflict) => conflict.column('address').doUpdateSet(fresh).where('email_addresses.verification_asked_at', '<=', askedBefore))
        .executeTakeFirst()
      if (!numInsertedOrUpdatedRows) return false
      await then(trx as unknown as Transaction<object>)
      return true
    })
  }

  /** Gives the link about to be mailed to `email` its token (hashed), unless the binding changed meanwhile. */
  async awaitVerification(address: string, email: string, hash: string, expiresAt: string): Promise<boolean> {
    const { numUpdatedRows } = await this.#db
      .updateTable('email_addresses')
      .set({ verification_hash: hash, verification_expires_at: expiresAt })
      .where('address', '=', address)
      .where('email', '=', email)
      .where('verified_at', 'is', null)
      .executeTakeFirst()
    return numUpdatedRows > 0n
  }

  /** Verifies the address whose link carries `hash`, if it has not expired; its new standing, or undefined. */
  async verify(hash: string, now: string, digestedUpTo: number): Promise<EmailAddressRecord | undefined> {
    return this.#db
      .updateTable('email_addresses')
      .set({ verified_at: now, verification_hash: null, verification_expires_at: null, digested_up_to: digestedUpTo })
      .where('verification_hash', '=', hash)
      .where('verification_expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
  }

  async byUnsubscribeToken(token: string): Promise<EmailAddressRecord | undefined> {
    return this.#db.selectFrom('email_addresses').selectAll().where('unsubscribe_token', '=', token).executeTakeFirst()
  }

  /** Whether one of `addresses` has a verified e-mail address, read in `db` (the recording transaction). */
  async anyVerified(db: Kysely<object>, addresses: readonly string[]): Promise<boolean> {
    return addresses.length > 0 && (await verifiedAmong(db.withTables<EmailTables>(), addresses)).rows.length > 0
  }

  /** Of `addresses`, those with a verified e-mail address. */
  async verifiedAmong(addresses: readonly string[]): Promise<string[]> {
    if (addresses.length === 0) return []
    const rows = await this.#db
      .selectFrom('email_addresses')
      .select('address')
      .where('address', 'in', addresses)
      .where('verified_at', 'is not', null)
      .execute()
    return rows.map((row) => row.address)
  }

  /**
   * Notes a digest due at `dueAt`, in the event's transaction, unless one is already planned
   * for later than `now`: true when the caller must enqueue its job.
   */
  async planDigest(trx: Transaction<object>, address: string, dueAt: string, now: string): Promise<boolean> {
    const { numUpdatedRows } = await trx
      .withTables<EmailTables>()
      .updateTable('email_addresses')
      .set({ digest_due_at: dueAt })
      .where('address', '=', address)
      .where('verified_at', 'is not', null)
      .where(passed('digest_due_at', now))
      .executeTakeFirst()
    return numUpdatedRows > 0n
  }

  /** The planned digest moved to `dueAt` (quiet hours, a longer delay, a retry). */
  async postponeDigest(address: string, dueAt: string): Promise<void> {
    await this.#db.updateTable('email_addresses').set({ digest_due_at: dueAt }).where('address', '=', address).execute()
  }

  /**
   * Takes the right to send the digest that follows `digestedUpTo` until `until`: false when
   * another node holds it or has sent it meanwhile, so a digest goes once.
   */
  async takeDigest(address: string, digestedUpTo: number, now: string, until: string): Promise<boolean> {
    const { numUpdatedRows } = await this.#db
      .updateTable('email_addresses')
      .set({ sending_until: until })
      .where('address', '=', address)
      .where('digested_up_to', '=', digestedUpTo)
      .where(passed('sending_until', now))
      .executeTakeFirst()
    return numUpdatedRows > 0n
  }

  /** The digest went: it told of messages up to `upTo`. */
  async digestSent(address: string, upTo: number, now: string): Promise<void> {
    await this.#db
      .updateTable('email_addresses')
      .set({ digested_up_to: upTo, sending_until: null, last_digest_at: now })
      .where('address', '=', address)
      .execute()
  }

  /** The digest did not go (the SMTP server refused it): another try may take it again. */
  async releaseDigest(address: string): Promise<void> {
    await this.#db.updateTable('email_addresses').set({ sending_until: null }).where('address', '=', address).execute()
  }

  /** Forgets the address (the person removed it, or their account is erased); false when none was bound. */
  async remove(address: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db.deleteFrom('email_addresses').where('address', '=', address).executeTakeFirst()
    return numDeletedRows > 0n
  }
}

/** A time column that is unset or no later than `now`: nothing planned or held past it. */
function passed(column: 'digest_due_at' | 'sending_until', now: string) {
  return (eb: ExpressionBuilder<EmailTables, 'email_addresses'>) => eb.or([eb(column, 'is', null), eb(column, '<=', now)])
}

// Asked in every send's transaction ('' is no address).
const verifiedAmong = preparedList(
  (db: Kysely<EmailTables>, addresses: readonly string[]) =>
    db.selectFrom('email_addresses').select('address').where('address', 'in', addresses).where('verified_at', 'is not', null).limit(1),
  '',
)
