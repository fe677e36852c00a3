import type { Generated } from 'kysely'

/** Web Push's own tables, as Kysely sees them. */
export type PushTables = {
  push_subscriptions: PushSubscriptionTable
  notification_keys: NotificationKeyTable
}

/** One browser's subscription at its push service (the PushSubscription it handed the web client). */
export interface PushSubscriptionTable {
  id: Generated<number>
  address: string
  /** The push service's URL for this browser: a capability, never shown to anyone but its owner. */
  endpoint: string
  /** The browser's P-256 public key and auth secret, base64url: what the payload is encrypted to. */
  p256dh: string
  auth: string
  user_agent: string | null
  created_at: string
  last_used_at: string | null
}

/** Keys the service makes once and every node shares (the VAPID key pair, as JSON). */
export interface NotificationKeyTable {
  name: string
  value: string
}
