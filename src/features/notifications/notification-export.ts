import { Type, type Static } from '@sinclair/typebox'
import { exampleOf, Nullable, withExample } from '../../core/http/schemas.js'
import { EmailAddress } from './email-schemas.js'
import type { EmailService } from './email-service.js'
import { NotificationPreferences, ThreadMute } from './notification-schemas.js'
import type { NotificationService } from './notification-service.js'
import { PushSubscription } from './push-schemas.js'
import type { PushService } from './push-service.js'
import { WebhookEndpoint } from './webhook-schemas.js'
import type { WebhookService } from './webhook-service.js'

/** What the notifications keep of one address, as its export shows it: no secret, no key. */
export const NotificationsExport = withExample(
  Type.Object({
    preferences: Type.Ref(NotificationPreferences),
    mutes: Type.Array(Type.Ref(ThreadMute)),
    webhooks: Type.Array(Type.Ref(WebhookEndpoint), { description: 'Endpoints, without their secrets.' }),
    push_subscriptions: Type.Array(Type.Ref(PushSubscription), { description: 'Browsers, without their keys.' }),
    email: Nullable(Type.Ref(EmailAddress)),
  }),
  {
    preferences: exampleOf(NotificationPreferences),
    mutes: [exampleOf(ThreadMute)],
    webhooks: [exampleOf(WebhookEndpoint)],
    push_subscriptions: [exampleOf(PushSubscription)],
    email: exampleOf(EmailAddress),
  },
)
export type NotificationsExport = Static<typeof NotificationsExport>

const PAGE = 500

/** A person's notification records across every channel: their export and their erasure. */
export class NotificationRecords {
  readonly #parts: { notifications: NotificationService; webhooks: WebhookService; push: PushService; emails: EmailService }

  constructor(parts: { notifications: NotificationService; webhooks: WebhookService; push: PushService; emails: EmailService }) {
    this.#parts = parts
  }

  async exportOf(address: string): Promise<NotificationsExport> {
    const { notifications, webhooks, push, emails } = this.#parts
    const [preferences, mutes, endpoints, subscriptions, email] = await Promise.all([
      notifications.preferences(address),
      everyPage((limit, offset) => notifications.mutes(address, limit, offset).then((page) => page.mutes)),
      everyPage((limit, offset) => webhooks.list(address, limit, offset).then((page) => page.endpoints)),
      everyPage((limit, offset) => push.subscriptions(address, limit, offset).then((page) => page.subscriptions)),
      emails.boundAddress(address),
    ])
    return { preferences, mutes, webhooks: endpoints, push_subscriptions: subscriptions, email }
  }

  /** Forgets preferences, mutes and every channel's records of the address (account erasure). */
  erase(address: string): Promise<void> {
    return this.#parts.notifications.erase(address)
  }
}

async function everyPage<T>(page: (limit: number, offset: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = []
  for (let offset = 0; ; offset += PAGE) {
    const items = await page(PAGE, offset)
    all.push(...items)
    if (items.length < PAGE) return all
  }
}
