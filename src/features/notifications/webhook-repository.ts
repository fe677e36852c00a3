import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import { preparedList } from '../../core/database/prepared.js'
import type { WebhookDeliveryTable, WebhookEndpointTable, WebhookTables } from './webhook-tables.js'

export type EndpointRecord = Selectable<WebhookEndpointTable>
export type DeliveryRecord = Selectable<WebhookDeliveryTable>

/** A pending delivery with what an attempt needs of its endpoint. */
export type AttemptRecord = DeliveryRecord &
  Pick<EndpointRecord, 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'disabled_at'>

/** The only SQL on webhook endpoints and deliveries. */
export class WebhookRepository {
  readonly #db: Kysely<WebhookTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<WebhookTables>()
  }

  async countOwned(owner: string): Promise<number> {
    const { count } = await this.#db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('owner', '=', owner)
      .executeTakeFirstOrThrow()
    return Number(count)
  }

  create(endpoint: Insertable<WebhookEndpointTable>): Promise<EndpointRecord> {
    return this.#db.insertInto('webhook_endpoints').values(endpoint).returningAll().executeTakeFirstOrThrow()
  }

  async list(owner: string, limit: number, offset: number): Promise<{ count: number; endpoints: EndpointRecord[] }> {
    const [count, endpoints] = await Promise.all([
      this.countOwned(owner),
      this.#db.selectFrom('webhook_endpoints').selectAll().where('owner', '=', owner).orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count, endpoints }
  }

  /** The owner's endpoint with that public id; someone else's is as missing as none. */
  owned(owner: string, publicId: string): Promise<EndpointRecord | undefined> {
    return this.#db.selectFrom('webhook_endpoints').selectAll().where('owner', '=', owner).where('public_id', '=', publicId).executeTakeFirst()
  }

  update(id: number, changes: Updateable<WebhookEndpointTable>): Promise<EndpointRecord> {
    return this.#db.updateTable('webhook_endpoints').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
  }

  async delete(id: number): Promise<void> {
    await this.#db.deleteFrom('webhook_endpoints').where('id', '=', id).execute()
  }

  /** The enabled endpoints of these owners, the ones a chat event may reach. */
  async subscribed(owners: readonly string[]): Promise<EndpointRecord[]> {
    if (owners.length === 0) return []
    return this.#db.selectFrom('webhook_endpoints').selectAll().where('owner', 'in', owners).where('disabled_at', 'is', null).execute()
  }

  /** Whether one of these owners has an enabled endpoint, read in `db` (the recording transaction). */
  async anyEnabled(db: Kysely<object>, owners: readonly string[]): Promise<boolean> {
    return owners.length > 0 && (await enabledAmong(db.withTables<WebhookTables>(), owners)).rows.length > 0
  }

  /** Adds deliveries in `db` (the fan-out's transaction); their ids, in order. */
  async addDeliveries(db: Kysely<object>, deliveries: Insertable<WebhookDeliveryTable>[]): Promise<number[]> {
    if (deliveries.length === 0) return []
    const rows = await db.withTables<WebhookTables>().insertInto('webhook_deliveries').values(deliveries).returning('id').execute()
    return rows.map((row) => row.id)
  }

  async deliveries(endpointId: number, limit: number, offset: number): Promise<{ count: number; deliveries: DeliveryRecord[] }> {
    const [{ count }, deliveries] = await Promise.all([
      this.#db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirstOrThrow(),
      this.#db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), deliveries }
  }

  delivery(endpointId: number, id: number): Promise<DeliveryRecord | undefined> {
    return this.#db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst()
  }

  /** An endpoint's pending deliveries that no job waits for (parked while it was disabled). */
  async parked(endpointId: number): Promise<number[]> {
    const rows = await this.#db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', 'is', null)
      .execute()
    return rows.map((row) => row.id)
  }

  attempt(deliveryId: number): Promise<AttemptRecord | undefined> {
    return this.#db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .selectAll('d')
      .select(['e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_expires_at', 'e.disabled_at'])
      .where('d.id', '=', deliveryId)
      .executeTakeFirst()
  }

  async updateDelivery(db: Kysely<object>, id: number, changes: Updateable<WebhookDeliveryTable>): Promise<void> {
    await db.withTables<WebhookTables>().updateTable('webhook_deliveries').set(changes).where('id', '=', id).execute()
  }

  /** Makes a finished delivery pending again; false when it already is (nothing changes). */
  async revive(db: Kysely<object>, id: number, changes: Updateable<WebhookDeliveryTable>): Promise<boolean> {
    const { numUpdatedRows } = await db
      .withTables<WebhookTables>()
      .updateTable('webhook_deliveries')
      .set(changes)
      .where('id', '=', id)
      .where('status', '!=', 'pending')
      .executeTakeFirst()
    return numUpdatedRows > 0n
  }

  /** Counts one more failed attempt against the endpoint; the streak's length after it (0: the endpoint is gone). */
  async addFailure(db: Kysely<object>, endpointId: number): Promise<number> {
    const counted = await db
      .withTables<WebhookTables>()
      .updateTable('webhook_endpoints')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', endpointId)
      .returning('consecutive_failures')
      .executeTakeFirst()
    return counted?.consecutive_failures ?? 0
  }

  /** Disables the endpoint unless it already is, keeping the first reason. */
  async disable(db: Kysely<object>, endpointId: number, reason: string, now: string): Promise<void> {
    await db
      .withTables<WebhookTables>()
      .updateTable('webhook_endpoints')
      .set({ disabled_at: now, disabled_reason: reason })
      .where('id', '=', endpointId)
      .where('disabled_at', 'is', null)
      .execute()
  }

  async resetFailures(db: Kysely<object>, endpointId: number): Promise<void> {
    await db
      .withTables<WebhookTables>()
      .updateTable('webhook_endpoints')
      .set({ consecutive_failures: 0 })
      .where('id', '=', endpointId)
      .where('consecutive_failures', '>', 0)
      .execute()
  }

  /** Deletes the log's finished deliveries created before `before`; pending ones stay. */
  async prune(before: string): Promise<void> {
    await this.#db.deleteFrom('webhook_deliveries').where('created_at', '<', before).where('status', '!=', 'pending').execute()
  }

  /** An address's endpoints go with its account, their deliveries with them. */
  async erase(owner: string): Promise<void> {
    await this.#db.deleteFrom('webhook_endpoints').where('owner', '=', owner).execute()
  }
}

// Asked in every send's transaction ('' is no owner).
const enabledAmong = preparedList(
  (db: Kysely<WebhookTables>, owners: readonly string[]) =>
    db.selectFrom('webhook_endpoints').select('id').where('owner', 'in', owners).where('disabled_at', 'is', null).limit(1),
  '',
)
