import { Type, type Static } from '@sinclair/typebox'
import { errors, EXAMPLE, Id, Nullable, Page, PageQuery, StringEnum, Text, Timestamp, withExample } from '../../core/http/schemas.js'
import { WEBHOOK_EVENTS } from './webhook-rules.js'

const WEBHOOK_ID = 'b3f1c6f0-8a51-4c0e-9d2b-4d5c6e7f8a90'
const EventTypes = Type.Array(Type.Union(WEBHOOK_EVENTS.map((event) => Type.Literal(event))), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  uniqueItems: true,
  description: 'The events the endpoint receives.',
})
const Url = Type.String({ maxLength: 2048, description: 'https:// (http:// only with WEBHOOK_ALLOW_PRIVATE).' })
const Description = Text({ maxLength: 200 })

const endpointFields = {
  id: Type.String({ description: 'The endpoint (a uuid).' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  shop_id: Nullable(Type.Integer(), { description: "Only this shop's threads (its owner's endpoint)." }),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabled_at: Nullable(Timestamp),
  disabled_reason: Nullable(Type.String(), { description: 'Why deliveries stopped: the last failure, in words.' }),
  consecutive_failures: Type.Integer(),
  previous_secret_expires_at: Nullable(Timestamp, { description: 'Until then the secret before the last rotation signs too.' }),
  created_at: Timestamp,
}

const ENDPOINT_EXAMPLE = {
  id: WEBHOOK_ID,
  url: 'https://tools.example.com/vfx-chat',
  events: ['message.created'],
  shop_id: null,
  description: 'Order bot',
  enabled: true,
  disabled_at: null,
  disabled_reason: null,
  consecutive_failures: 0,
  previous_secret_expires_at: null,
  created_at: EXAMPLE.time,
}

export const WebhookEndpoint = withExample(Type.Object(endpointFields, { $id: 'WebhookEndpoint' }), ENDPOINT_EXAMPLE)
export type WebhookEndpoint = Static<typeof WebhookEndpoint>

/** The answer that shows the secret: registration and rotation, never again. */
const WithSecret = withExample(
  Type.Object({ ...endpointFields, secret: Type.String({ description: 'Shown only in this answer.' }) }),
  { ...ENDPOINT_EXAMPLE, secret: 'whsec_3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
)
export type WebhookEndpointWithSecret = Static<typeof WithSecret>

export const WebhookDelivery = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      event_id: Type.String({ description: 'Also the VFX-Event-Id header: the same on every attempt.' }),
      event_type: Type.String(),
      status: StringEnum(['pending', 'delivered', 'failed']),
      attempts: Type.Integer(),
      next_attempt_at: Nullable(Timestamp),
      last_status_code: Nullable(Type.Integer()),
      last_error: Nullable(Type.String()),
      created_at: Timestamp,
      delivered_at: Nullable(Timestamp),
    },
    { $id: 'WebhookDelivery' },
  ),
  {
    id: 1,
    event_id: 'c0a8012e-7d1f-4b8e-9f65-2a3b4c5d6e7f',
    event_type: 'message.created',
    status: 'delivered',
    attempts: 1,
    next_attempt_at: null,
    last_status_code: 200,
    last_error: null,
    created_at: EXAMPLE.time,
    delivered_at: EXAMPLE.time,
  },
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

const security = [{ bearer: [] }]
const tags = ['webhooks']
const params = Type.Object({ id: Type.String({ maxLength: 64 }) })

export const webhookSchemas = {
  create: {
    tags,
    operationId: 'createWebhook',
    summary: 'Register an endpoint for chat events; the answer shows its signing secret, once',
    security,
    body: withExample(
      Type.Object({ url: Url, events: EventTypes, shop_id: Type.Optional(Nullable(Id)), description: Type.Optional(Description) }),
      { url: 'https://tools.example.com/vfx-chat', events: ['message.created'], description: 'Order bot' },
    ),
    response: { 201: WithSecret, ...errors(400, 401, 403) },
  },
  list: {
    tags,
    operationId: 'listWebhooks',
    summary: "The caller's webhook endpoints, newest first",
    security,
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(WebhookEndpoint), ...errors(401, 404) },
  },
  get: {
    tags,
    operationId: 'getWebhook',
    summary: 'One of the caller’s endpoints, with why it is disabled if it is',
    security,
    params,
    response: { 200: Type.Ref(WebhookEndpoint), ...errors(401, 404) },
  },
  update: {
    tags,
    operationId: 'updateWebhook',
    summary: 'Change the URL, events or description, or enable a disabled endpoint again',
    security,
    params,
    body: withExample(
      Type.Object({ url: Type.Optional(Url), events: Type.Optional(EventTypes), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()) }),
      { enabled: true },
    ),
    response: { 200: Type.Ref(WebhookEndpoint), ...errors(400, 401, 404) },
  },
  delete: {
    tags,
    operationId: 'deleteWebhook',
    summary: 'Remove an endpoint and its delivery log',
    security,
    params,
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
  rotateSecret: {
    tags,
    operationId: 'rotateWebhookSecret',
    summary: 'A new signing secret, shown once; the old one signs too for 24 hours',
    security,
    params,
    response: { 200: WithSecret, ...errors(401, 404) },
  },
  test: {
    tags,
    operationId: 'testWebhook',
    summary: "Send a 'ping' event to the endpoint now",
    security,
    params,
    response: { 202: Type.Ref(WebhookDelivery), ...errors(401, 404, 409) },
  },
  redeliver: {
    tags,
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send a delivered or failed delivery again, under the same event id',
    security,
    params: Type.Object({ id: Type.String({ maxLength: 64 }), delivery: Type.String({ maxLength: 16 }) }),
    response: { 202: Type.Ref(WebhookDelivery), ...errors(401, 404, 409) },
  },
  deliveries: {
    tags,
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's delivery log, newest first",
    security,
    params,
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(WebhookDelivery), ...errors(401, 404) },
  },
}
