import type { Kysely } from 'kysely'
import { preparedList } from '../../core/database/prepared.js'
import type { PushSubscriptionTable, PushTables } from './push-tables.js'

export type SubscriptionRecord = Omit<PushSubscriptionTable, 'id'> & { id: number }
export type NewSubscription = Pick<PushSubscriptionTable, 'address' | 'endpoint' | 'p256dh' | 'auth' | 'user_agent' | 'created_at'>

/** The only SQL on push subscriptions and the service's stored keys. */
export class PushRepository {
  readonly #db: Kysely<PushTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<PushTables>()
  }

  /**
   * The key stored under `name`, made by `generate` on first use. Two nodes starting at once
   * both try to insert; the first insert wins and both read back the same value.
   */
  async key(name: string, generate: () => string): Promise<string> {
    await this.#db
      .insertInto('notification_keys')
      .values({ name, value: generate() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute()
    const { value } = await this.#db.selectFrom('notification_keys').select('value').where('name', '=', name).executeTakeFirstOrThrow()
    return value
  }

  /** Saves a browser's subscription; an endpoint already known gets the new keys and owner. */
  async save(subscription: NewSubscription): Promise<SubscriptionRecord> {
    const { address, p256dh, auth, user_agent } = subscription
    return this.#db
      .insertInto('push_subscriptions')
      .values(subscription)
      .onConflict((conflict) => conflict.column('endpoint').doUpdateSet({ address, p256dh, auth, user_agent }))
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  async list(address: string, limit: number, offset: number): Promise<{ count: number; subscriptions: SubscriptionRecord[] }> {
    const [{ count }, subscriptions] = await Promise.all([
      this.#db
        .selectFrom('push_subscriptions')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('address', '=', address)
        .executeTakeFirstOrThrow(),
      this.#db.selectFrom('push_subscriptions').selectAll().where('address', '=', address).orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), subscriptions }
  }

  /** The ids of the subscriptions of each of `addresses`. */
  async idsOf(addresses: readonly string[]): Promise<Array<{ id: number; address: string }>> {
    if (addresses.length === 0) return []
    return this.#db.selectFrom('push_subscriptions').select(['id', 'address']).where('address', 'in', addresses).orderBy('id').execute()
  }

  /** Whether one of `addresses` has a subscribed browser, read in `db` (the recording transaction). */
  async anySubscribed(db: Kysely<object>, addresses: readonly string[]): Promise<boolean> {
    return addresses.length > 0 && (await subscribedAmong(db.withTables<PushTables>(), addresses)).rows.length > 0
  }

  async find(id: number): Promise<SubscriptionRecord | undefined> {
    return this.#db.selectFrom('push_subscriptions').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Deletes `address`'s subscription at `endpoint`; false when it has none there. */
  async remove(address: string, endpoint: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db
      .deleteFrom('push_subscriptions')
      .where('address', '=', address)
      .where('endpoint', '=', endpoint)
      .executeTakeFirst()
    return numDeletedRows > 0n
  }

  /** Forgets a subscription its push service no longer knows (404 or 410). */
  async expire(id: number): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('id', '=', id).execute()
  }

  async used(id: number, at: string): Promise<void> {
    await this.#db.updateTable('push_subscriptions').set({ last_used_at: at }).where('id', '=', id).execute()
  }

  async erase(address: string): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('address', '=', address).execute()
  }
}

// Asked in every send's transaction ('' is no address).
const subscribedAmong = preparedList(
  (db: Kysely<PushTables>, addresses: readonly string[]) => db.selectFrom('push_subscriptions').select('id').where('address', 'in', addresses).limit(1),
  '',
)
