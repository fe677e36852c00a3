import { Type, type TSchema } from '@sinclair/typebox'

/**
 * TypeBox schemas of API.md: each validates requests, serializes responses and becomes
 * the OpenAPI document at /api/schema/.
 */

/** Free text may hold anything but NUL (PostgreSQL cannot store it; DRF refuses it too). */
export const NO_NUL = '^[^\\u0000]*$'
const Text = (options: { minLength?: number; maxLength?: number; description?: string } = {}) =>
  Type.String({ ...options, pattern: NO_NUL })

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** Ids fit PostgreSQL's integer. */
const MAX_ID = 2_147_483_647
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID })
const Cursor = Type.Integer({ minimum: 0, maximum: MAX_ID })

const Address = Type.String({ maxLength: 128, description: 'A VFX address (R… mainnet, x… testnet, xRBX… reserve).' })
const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339, UTC, milliseconds.' })
const Uuid = Type.String({ description: 'Thread UUID (v4).' })

// ---- errors (API.md §5) ----

export const Detail = Type.Object({ detail: Type.String() }, { $id: 'Detail', description: 'Any error but validation.' })
export const ValidationErrors = Type.Record(Type.String(), Type.Array(Type.String()), {
  $id: 'ValidationErrors',
  description: 'Field name (or non_field_errors) to its messages.',
})
// A 400 is a validation error, or a body that is not JSON at all (`{"detail"}`).
const BadRequest = Type.Union([Type.Ref(ValidationErrors), Type.Ref(Detail)])
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, status === 400 ? BadRequest : Type.Ref(Detail)]))

// ---- resources ----

export const ShopSummary = Type.Object({ id: Type.Integer(), name: Type.String(), url: Type.String() })

export const Shop = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    url: Type.String(),
    owner_address: Type.String(),
    created_at: Timestamp,
  },
  { $id: 'Shop' },
)

export const Message = Type.Object(
  {
    id: Type.Integer(),
    sender: Type.String(),
    content: Type.String(),
    timestamp: Timestamp,
    is_read: Type.Boolean(),
    thread_uuid: Type.String(),
  },
  { $id: 'Message' },
)

const threadFields = {
  uuid: Type.String(),
  participants: Type.Array(Type.String()),
  shop: Nullable(ShopSummary),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_message: Nullable(Type.String()),
  unread_count: Type.Integer(),
}
export const Thread = Type.Object(threadFields, { $id: 'Thread' })
export const ThreadDetail = Type.Object(
  { ...threadFields, messages: Type.Array(Type.Ref(Message)) },
  { $id: 'ThreadDetail' },
)

const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    count: Type.Integer(),
    next: Nullable(Type.String()),
    previous: Nullable(Type.String()),
    results: Type.Array(item),
  })

/** Shared schemas referenced by $id; registered once with app.addSchema. */
export const sharedSchemas = [Detail, ValidationErrors, Shop, Message, Thread, ThreadDetail]

// ---- routes ----

export const PageQuery = {
  page: Type.Optional(Type.String({ description: 'Page number, from 1.' })),
  page_size: Type.Optional(Type.String({ description: 'Items per page (default 20, max 100).' })),
}

export const ThreadParams = Type.Object({ uuid: Uuid })

export const auth = {
  challenge: {
    tags: ['auth'],
    summary: 'Ask for a challenge to sign with the wallet key',
    body: Type.Object({ address: Address }),
    response: {
      200: Type.Object({ address: Type.String(), message: Type.String(), expires_at: Timestamp }),
      ...errors(400, 429),
    },
  },
  token: {
    tags: ['auth'],
    summary: 'Exchange a signed challenge for a bearer token',
    body: Type.Object({
      address: Address,
      message: Type.String({ maxLength: 1000 }),
      signature: Type.String({ maxLength: 400 }),
    }),
    response: {
      200: Type.Object({ token: Type.String(), address: Type.String(), expires_at: Timestamp }),
      ...errors(400, 401, 429),
    },
  },
  logout: {
    tags: ['auth'],
    summary: 'Revoke the bearer token of this request',
    security: [{ bearer: [] }],
    response: { 204: Type.Null(), ...errors(401) },
  },
}

export const threads = {
  list: {
    tags: ['chat'],
    summary: "The caller's threads, most recently updated first",
    security: [{ bearer: [] }],
    querystring: Type.Object({
      ...PageQuery,
      shop_id: Type.Optional(Id),
      address: Type.Optional(Address),
      shop_url: Type.Optional(Text({ maxLength: 200 })),
    }),
    response: { 200: Page(Type.Ref(Thread)), ...errors(400, 401, 403, 404) },
  },
  create: {
    tags: ['chat'],
    summary: 'Create a thread, or get the one these participants (and shop) already have',
    security: [{ bearer: [] }],
    body: Type.Object({
      participants: Type.Array(Address, { minItems: 1, maxItems: 50 }),
      shop_id: Type.Optional(Nullable(Id)),
      initial_message: Type.Optional(Text()),
    }),
    response: { 200: Type.Ref(ThreadDetail), 201: Type.Ref(ThreadDetail), ...errors(400, 401, 403, 429) },
  },
  detail: {
    tags: ['chat'],
    summary: 'A thread with its latest 100 messages',
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 200: Type.Ref(ThreadDetail), ...errors(401, 404) },
  },
  update: {
    tags: ['chat'],
    summary: 'Mark read, change the shop or the participants',
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: Type.Object({
      is_read: Type.Optional(Type.Boolean()),
      shop_id: Type.Optional(Nullable(Id)),
      participants: Type.Optional(Type.Array(Address, { minItems: 1, maxItems: 50 })),
    }),
    response: { 200: Type.Ref(ThreadDetail), ...errors(400, 401, 404, 409) },
  },
  delete: {
    tags: ['chat'],
    summary: 'Delete the thread for the caller only',
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
  lookup: {
    tags: ['chat'],
    summary: 'Find the thread of exactly these participants (and shop)',
    security: [{ bearer: [] }],
    querystring: Type.Object({
      participants: Type.String({ maxLength: 8000, description: 'Comma-separated addresses.' }),
      shop_id: Type.Optional(Id),
    }),
    response: {
      200: Type.Object({
        thread: Type.Object({ uuid: Type.String(), participants: Type.Array(Type.String()), shop_id: Nullable(Type.Integer()) }),
      }),
      ...errors(400, 401, 403, 404),
    },
  },
}

export const messages = {
  list: {
    tags: ['chat'],
    summary: 'Messages of a thread, oldest first: by page, or by cursor (after / before)',
    security: [{ bearer: [] }],
    params: ThreadParams,
    querystring: Type.Object({
      ...PageQuery,
      after: Type.Optional(Cursor),
      before: Type.Optional(Cursor),
      limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor page size (default 50, max 500).' })),
    }),
    response: { 200: Page(Type.Ref(Message)), ...errors(400, 401, 404) },
  },
  create: {
    tags: ['chat'],
    summary: 'Send a message',
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: Type.Object({
      content: Text(),
      sender: Type.Optional(Address),
      client_id: Type.Optional(Nullable(Text({ minLength: 1, maxLength: 64 }))),
    }),
    response: { 200: Type.Ref(Message), 201: Type.Ref(Message), ...errors(400, 401, 403, 404, 429) },
  },
  read: {
    tags: ['chat'],
    summary: "Move the caller's read marker forward",
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: Type.Object({ up_to: Type.Optional(Id) }),
    response: {
      200: Type.Object({ uuid: Type.String(), last_read_id: Type.Integer(), unread_count: Type.Integer() }),
      ...errors(400, 401, 404),
    },
  },
  newMessages: {
    tags: ['chat'],
    summary: "Messages from others in the caller's threads, oldest first",
    security: [{ bearer: [] }],
    querystring: Type.Object({
      address: Type.Optional(Address),
      since: Type.Optional(Type.String({ maxLength: 64 })),
      after_id: Type.Optional(Cursor),
      limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 100, max 500.' })),
      wait: Type.Optional(
        Type.Number({ minimum: 0, maximum: 30, description: 'Seconds to hold the request while nothing matches (long poll).' }),
      ),
    }),
    response: {
      200: Type.Object({ count: Type.Integer(), next: Nullable(Type.String()), results: Type.Array(Type.Ref(Message)) }),
      ...errors(400, 401, 403),
    },
  },
}

export const streams = {
  events: {
    tags: ['real-time'],
    summary: "Server-Sent Events of the caller's threads: message, read, thread, typing",
    description:
      'text/event-stream. Sign in with Authorization: Bearer or ?token= (EventSource cannot set headers). ' +
      'Last-Event-ID or after_id first replays every message after that id from the database, then goes live.',
    security: [{ bearer: [] }],
    headers: Type.Object({ 'last-event-id': Type.Optional(Cursor) }),
    querystring: Type.Object({
      token: Type.Optional(Type.String({ maxLength: 256, description: 'The bearer token, for EventSource.' })),
      after_id: Type.Optional(Cursor),
    }),
    response: {
      200: {
        description: 'Events: message (id: = message id), read, thread, typing; a `: ping` comment every 15 s.',
        content: { 'text/event-stream': { schema: Type.String() } },
      },
      ...errors(400, 401),
    },
  },
  socket: {
    tags: ['real-time'],
    summary: 'WebSocket: the same events as {"type","data"} frames, plus send, read, typing and resume',
    description: 'Sign in with Authorization: Bearer or a first frame {"type":"auth","token"}; see API.md §9.',
    querystring: Type.Object({ after_id: Type.Optional(Cursor) }),
    response: { 101: { description: 'Switching Protocols: the WebSocket is open.', type: 'null' }, 426: Type.Ref(Detail), ...errors(400) },
  },
}

const ShopParams = Type.Object({ id: Type.String() })

export const shops = {
  list: {
    tags: ['shops'],
    summary: 'Shops, by id; search matches name or URL',
    querystring: Type.Object({ ...PageQuery, search: Type.Optional(Text({ maxLength: 200 })) }),
    response: { 200: Page(Type.Ref(Shop)), ...errors(400, 404) },
  },
  create: {
    tags: ['shops'],
    summary: 'Open a shop owned by the caller',
    security: [{ bearer: [] }],
    body: Type.Object({ name: Text({ maxLength: 200 }), url: Text({ maxLength: 200 }) }),
    response: { 201: Type.Ref(Shop), ...errors(400, 401, 409) },
  },
  detail: {
    tags: ['shops'],
    summary: 'One shop',
    params: ShopParams,
    response: { 200: Type.Ref(Shop), ...errors(404) },
  },
  update: {
    tags: ['shops'],
    summary: "Rename or move a shop (owner only)",
    security: [{ bearer: [] }],
    params: ShopParams,
    body: Type.Object({
      name: Type.Optional(Text({ maxLength: 200 })),
      url: Type.Optional(Text({ maxLength: 200 })),
    }),
    response: { 200: Type.Ref(Shop), ...errors(400, 401, 403, 404, 409) },
  },
  delete: {
    tags: ['shops'],
    summary: 'Close a shop (owner only)',
    security: [{ bearer: [] }],
    params: ShopParams,
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
}
