import type { Kysely } from 'kysely'
import { prepared, preparedList } from '../../core/database/prepared.js'
import type { ConsentTables, PendingConsent } from './consent-tables.js'

/** A participant whose consent a thread waits for, or who declined it. */
export interface PendingRecord {
  thread_id: number
  address: string
  opener: string
  state: PendingConsent
}

export interface SettingsRecord {
  message_requests: boolean
  shop_requests: boolean
}

/** Who has not (yet) accepted which thread, and each address's own choice. */
export class ConsentRepository {
  readonly #db: Kysely<ConsentTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<ConsentTables>()
  }

  /** The choices of those of `addresses` who made one. */
  async settingsOf(addresses: readonly string[]): Promise<Map<string, SettingsRecord>> {
    if (addresses.length === 0) return new Map()
    const rows = await this.#db.selectFrom('consent_settings').selectAll().where('address', 'in', addresses).execute()
    return new Map(rows.map((row) => [row.address, { message_requests: row.message_requests === 1, shop_requests: row.shop_requests === 1 }]))
  }

  async saveSettings(address: string, settings: SettingsRecord): Promise<void> {
    const values = { message_requests: settings.message_requests ? 1 : 0, shop_requests: settings.shop_requests ? 1 : 0 }
    await this.#db
      .insertInto('consent_settings')
      .values({ address, ...values })
      .onConflict((oc) => oc.column('address').doUpdateSet(values))
      .execute()
  }

  /** Makes the thread a request for each address (again, for one added back after leaving). */
  async open(threadId: number, opener: string, addresses: readonly string[], now: string): Promise<void> {
    if (addresses.length === 0) return
    await this.#db
      .insertInto('consent_requests')
      .values(addresses.map((address) => ({ thread_id: threadId, address, opener, state: 'request' as const, created_at: now })))
      .onConflict((oc) => oc.columns(['thread_id', 'address']).doUpdateSet({ opener, state: 'request', created_at: now }))
      .execute()
  }

  /** Every participant of these threads who has not accepted them. */
  async pendingIn(threadIds: readonly number[]): Promise<PendingRecord[]> {
    if (threadIds.length === 0) return []
    return (await pendingInThreads(this.#db, threadIds)).rows
  }

  /** The threads `address` has not accepted, each with its state. */
  async pendingThreadsOf(address: string): Promise<{ thread_id: number; state: PendingConsent }[]> {
    return (await pendingThreadsOf(this.#db, address)).rows
  }

  /** Accepts: false when there was nothing to accept. */
  async accept(threadId: number, address: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db
      .deleteFrom('consent_requests')
      .where('thread_id', '=', threadId)
      .where('address', '=', address)
      .executeTakeFirst()
    return numDeletedRows > 0n
  }

  /** Declines a request: false when the thread was not a request for `address`. */
  async decline(threadId: number, address: string): Promise<boolean> {
    const { numUpdatedRows } = await this.#db
      .updateTable('consent_requests')
      .set({ state: 'declined' })
      .where('thread_id', '=', threadId)
      .where('address', '=', address)
      .where('state', '=', 'request')
      .executeTakeFirst()
    return numUpdatedRows > 0n
  }

  /** Forgets an erased account's requests and choices. */
  async removeAllOf(address: string): Promise<void> {
    await this.#db.deleteFrom('consent_requests').where('address', '=', address).execute()
    await this.#db.deleteFrom('consent_settings').where('address', '=', address).execute()
  }
}

// Every thread read, page of the inbox and of new messages asks it (0 is no thread's id).
const pendingInThreads = preparedList(
  (db: Kysely<ConsentTables>, threadIds: readonly number[]) =>
    db.selectFrom('consent_requests').select(['thread_id', 'address', 'opener', 'state']).where('thread_id', 'in', threadIds),
  0,
)

const pendingThreadsOf = prepared((db: Kysely<ConsentTables>, address: string) =>
  db.selectFrom('consent_requests').select(['thread_id', 'state']).where('address', '=', address),
)
