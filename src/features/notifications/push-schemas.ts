import { Type, type Static } from '@sinclair/typebox'
import { errors, EXAMPLE, Nullable, Page, PageQuery, Text, Timestamp, withExample } from '../../core/http/schemas.js'

const EXAMPLE_ENDPOINT = 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH…'

export const PushKey = withExample(
  Type.Object(
    { public_key: Type.String({ description: "The service's VAPID public key (P-256, uncompressed, base64url): PushManager.subscribe's applicationServerKey." }) },
    { $id: 'PushKey' },
  ),
  { public_key: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM' },
)
export type PushKey = Static<typeof PushKey>

/** What a browser's PushSubscription.toJSON() gives; `expirationTime` is read and ignored. */
const SubscriptionInput = Type.Object({
  endpoint: Text({ minLength: 1, maxLength: 2048, description: "The push service's URL for this browser (https)." }),
  keys: Type.Object({
    p256dh: Type.String({ maxLength: 128, description: "The browser's P-256 public key, base64url (65 bytes)." }),
    auth: Type.String({ maxLength: 64, description: 'The auth secret, base64url (16 bytes).' }),
  }),
  expirationTime: Type.Optional(Nullable(Type.Number())),
})

export const PushSubscription = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      endpoint: Type.String(),
      user_agent: Nullable(Type.String(), { description: 'The browser that subscribed, as it named itself.' }),
      created_at: Timestamp,
      last_used_at: Nullable(Timestamp, { description: 'When a push last reached its push service; null until one did.' }),
    },
    { $id: 'PushSubscription', description: "One of the caller's browsers; its keys are never shown again." },
  ),
  { id: 7, endpoint: EXAMPLE_ENDPOINT, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', created_at: EXAMPLE.time, last_used_at: null },
)
export type PushSubscription = Static<typeof PushSubscription>

/**
 * What a push carries, encrypted to the browser (RFC 8291): the service worker shows `title`
 * and `body` and opens the thread when clicked. `body` has the message's words only for people
 * who turned previews on.
 */
export const PushMessage = withExample(
  Type.Object(
    {
      type: Type.Literal('message'),
      thread: Type.String({ description: "The thread's UUID." }),
      message_id: Type.Integer(),
      sender: Type.String(),
      title: Type.String(),
      body: Type.String(),
    },
    { $id: 'PushMessage' },
  ),
  { type: 'message', thread: EXAMPLE.threadUuid, message_id: 42, sender: EXAMPLE.buyer, title: 'New message from RW2xEF…GYCX', body: 'Open VFX Chat to read it.' },
)
export type PushMessage = Static<typeof PushMessage>

export const pushSchemas = {
  key: {
    tags: ['notifications'],
    operationId: 'getPushKey',
    summary: "The service's VAPID public key, to subscribe a browser with",
    security: [],
    response: { 200: Type.Ref(PushKey) },
  },
  subscribe: {
    tags: ['notifications'],
    operationId: 'subscribePush',
    summary: "Register a browser's push subscription for the caller",
    security: [{ bearer: [] }],
    body: withExample(SubscriptionInput, { endpoint: EXAMPLE_ENDPOINT, keys: { p256dh: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U', auth: 'tBHItJI5svbpez7KI4CCXg' } }),
    response: { 201: Type.Ref(PushSubscription), ...errors(400, 401) },
  },
  subscriptions: {
    tags: ['notifications'],
    operationId: 'listPushSubscriptions',
    summary: "The caller's subscribed browsers, newest first",
    security: [{ bearer: [] }],
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(PushSubscription), ...errors(400, 401, 404) },
  },
  unsubscribe: {
    tags: ['notifications'],
    operationId: 'unsubscribePush',
    summary: "Forget one of the caller's browsers, by its endpoint",
    security: [{ bearer: [] }],
    body: withExample(Type.Object({ endpoint: Text({ minLength: 1, maxLength: 2048 }) }), { endpoint: EXAMPLE_ENDPOINT }),
    response: { 204: Type.Null(), ...errors(400, 401, 404) },
  },
}
