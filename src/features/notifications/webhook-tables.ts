import type { Generated } from 'kysely'

/** The webhooks' own tables, as Kysely sees them. */
export type WebhookTables = {
  webhook_endpoints: WebhookEndpointTable
  webhook_deliveries: WebhookDeliveryTable
}

/** An HTTPS endpoint an address registered, and the events it wants. */
export interface WebhookEndpointTable {
  id: Generated<number>
  /** The endpoint's id in the API: a uuid, so ids tell nothing of how many endpoints exist. */
  public_id: string
  owner: string
  url: string
  /** JSON array of event types (`message.created`, `thread.created`, `thread.read`). */
  events: string
  /** Only this shop's threads; only the shop's owner registers one. */
  shop_id: number | null
  description: string
  /** Signs every delivery; shown to the owner once. */
  secret: string
  /** The secret before the last rotation, which still signs until `previous_secret_expires_at`. */
  previous_secret: string | null
  previous_secret_expires_at: string | null
  created_at: string
  disabled_at: string | null
  disabled_reason: string | null
  /** Failed attempts since the last success, over all its deliveries. */
  consecutive_failures: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One event for one endpoint, from its first attempt to its success or its giving up. */
export interface WebhookDeliveryTable {
  id: Generated<number>
  endpoint_id: number
  /** The event's id, the same for every endpoint and every attempt: receivers deduplicate by it. */
  event_id: string
  event_type: string
  /** The exact JSON body every attempt sends. */
  payload: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: string | null
  /** Attempts stop after this time; the delivery is then failed. */
  retry_until: string
  last_status_code: number | null
  last_error: string | null
  created_at: string
  delivered_at: string | null
}
