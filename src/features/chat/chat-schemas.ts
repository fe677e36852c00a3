import { Type, type Static } from '@sinclair/typebox'
import { Address, Cursor, errors, EXAMPLE, exampleOf, Id, Nullable, StringEnum, Page, PageQuery, Text, Timestamp, Uuid, withExample } from '../../core/http/schemas.js'
import { Attachment } from '../attachments/index.js'
import { ConsentState } from '../consent/index.js'
import { Shop, ShopSummary } from '../shops/index.js'

/** A message as every view shows it (docs/api.md §4): lists, details, new-messages, streams. */
export const Message = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      sender: Type.String(),
      content: Type.String(),
      timestamp: Timestamp,
      is_read: Type.Boolean(),
      thread_uuid: Type.String(),
      attachments: Type.Array(Type.Ref(Attachment), { description: 'Pictures and files sent with it; empty for text.' }),
      edited_at: Nullable(Timestamp, { description: 'When its sender last edited it; null if never.' }),
      deleted_by: Nullable(StringEnum(['sender', 'moderator']), {
        description: 'Who deleted it for everyone (its content is then empty); null while it stands.',
      }),
    },
    { $id: 'Message' },
  ),
  {
    id: 42,
    sender: EXAMPLE.buyer,
    content: 'Hello! Is the Aurora print still available?',
    timestamp: EXAMPLE.time,
    is_read: false,
    thread_uuid: EXAMPLE.threadUuid,
    attachments: [],
    edited_at: null,
    deleted_by: null,
  },
)

const threadFields = {
  uuid: Type.String(),
  participants: Type.Array(Type.String()),
  shop: Nullable(ShopSummary),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_message: Nullable(Type.String()),
  unread_count: Type.Integer(),
  consent: ConsentState,
}
const exampleShop = exampleOf(Shop)
export const Thread = withExample(Type.Object(threadFields, { $id: 'Thread' }), {
  uuid: EXAMPLE.threadUuid,
  participants: [EXAMPLE.buyer, EXAMPLE.shopOwner],
  shop: { id: exampleShop.id, name: exampleShop.name, url: exampleShop.url },
  created_at: '2026-01-05T14:29:50.000Z',
  updated_at: EXAMPLE.time,
  last_message: exampleOf(Message).content,
  unread_count: 1,
  consent: 'accepted',
})
export const ThreadDetail = withExample(
  Type.Object({ ...threadFields, messages: Type.Array(Type.Ref(Message)) }, { $id: 'ThreadDetail' }),
  { ...exampleOf(Thread), messages: [exampleOf(Message)] },
)
export type Message = Static<typeof Message>
export type Thread = Static<typeof Thread>
export type ThreadDetail = Static<typeof ThreadDetail>

export const ThreadParams = Type.Object({ uuid: Uuid })
const MessageParams = Type.Object({ uuid: Uuid, id: Type.String({ maxLength: 16, description: 'Message id.' }) })

export const threadSchemas = {
  list: {
    tags: ['chat'],
    operationId: 'listThreads',
    summary: "The caller's threads, most recently updated first",
    security: [{ bearer: [] }],
    querystring: Type.Object({
      ...PageQuery,
      shop_id: Type.Optional(Id),
      address: Type.Optional(Address),
      shop_url: Type.Optional(Text({ maxLength: 200 })),
      consent: Type.Optional(ConsentState),
    }),
    response: { 200: Page(Thread), ...errors(400, 401, 403, 404) },
  },
  create: {
    tags: ['chat'],
    operationId: 'createThread',
    summary: 'Create a thread, or get the one these participants (and shop) already have',
    security: [{ bearer: [] }],
    body: withExample(
      Type.Object({
        participants: Type.Array(Address, { minItems: 1, maxItems: 50 }),
        shop_id: Type.Optional(Nullable(Id)),
        initial_message: Type.Optional(Text()),
      }),
      { participants: [EXAMPLE.buyer, EXAMPLE.shopOwner], shop_id: exampleShop.id, initial_message: exampleOf(Message).content },
    ),
    response: { 200: Type.Ref(ThreadDetail), 201: Type.Ref(ThreadDetail), ...errors(400, 401, 403, 429) },
  },
  detail: {
    tags: ['chat'],
    operationId: 'getThread',
    summary: 'A thread with its latest 100 messages',
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 200: Type.Ref(ThreadDetail), ...errors(401, 404) },
  },
  update: {
    tags: ['chat'],
    operationId: 'updateThread',
    summary: 'Mark read, change the shop or the participants',
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: withExample(
      Type.Object({
        is_read: Type.Optional(Type.Boolean()),
        shop_id: Type.Optional(Nullable(Id)),
        participants: Type.Optional(Type.Array(Address, { minItems: 1, maxItems: 50 })),
      }),
      { is_read: true },
    ),
    response: { 200: Type.Ref(ThreadDetail), ...errors(400, 401, 404, 409) },
  },
  delete: {
    tags: ['chat'],
    operationId: 'deleteThread',
    summary: 'Delete the thread for the caller only',
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
  accept: {
    tags: ['consent'],
    operationId: 'acceptThread',
    summary: 'Accept a message request: the opener may then see the caller read and type',
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 200: Type.Ref(ThreadDetail), ...errors(401, 404) },
  },
  decline: {
    tags: ['consent'],
    operationId: 'declineThread',
    summary: "Decline a message request: it leaves the caller's list",
    security: [{ bearer: [] }],
    params: ThreadParams,
    response: { 200: Type.Ref(ThreadDetail), ...errors(401, 404, 409) },
  },
  lookup: {
    tags: ['chat'],
    operationId: 'lookupThread',
    summary: 'Find the thread of exactly these participants (and shop)',
    security: [{ bearer: [] }],
    querystring: Type.Object({
      participants: Type.String({ maxLength: 8000, description: 'Comma-separated addresses.' }),
      shop_id: Type.Optional(Id),
    }),
    response: {
      200: withExample(
        Type.Object({
          thread: Type.Object({ uuid: Type.String(), participants: Type.Array(Type.String()), shop_id: Nullable(Type.Integer()) }),
        }),
        { thread: { uuid: EXAMPLE.threadUuid, participants: [EXAMPLE.buyer, EXAMPLE.shopOwner], shop_id: exampleShop.id } },
      ),
      ...errors(400, 401, 403, 404),
    },
  },
}

export const messageSchemas = {
  list: {
    tags: ['chat'],
    operationId: 'listMessages',
    summary: 'Messages of a thread, oldest first: by page, or by cursor (after / before)',
    security: [{ bearer: [] }],
    params: ThreadParams,
    querystring: Type.Object({
      ...PageQuery,
      after: Type.Optional(Cursor),
      before: Type.Optional(Cursor),
      limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor page size (default 50, max 500).' })),
    }),
    response: { 200: Page(Message), ...errors(400, 401, 404) },
  },
  create: {
    tags: ['chat'],
    operationId: 'sendMessage',
    summary: 'Send a message',
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: withExample(
      Type.Object({
        content: Text(),
        sender: Type.Optional(Address),
        client_id: Type.Optional(Nullable(Text({ minLength: 1, maxLength: 64 }))),
        attachments: Type.Optional(
          Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10, description: 'Ids of your uploads to this thread; content may then be empty.' }),
        ),
      }),
      { content: exampleOf(Message).content, client_id: 'b7e2c1d4-5a8f-4e3b-9c6d-2f1a0e9b8c7d' },
    ),
    response: { 200: Type.Ref(Message), 201: Type.Ref(Message), ...errors(400, 401, 403, 404, 429) },
  },
  edit: {
    tags: ['chat'],
    operationId: 'editMessage',
    summary: 'Edit your message (within MESSAGE_EDIT_WINDOW of sending); it shows as edited',
    security: [{ bearer: [] }],
    params: MessageParams,
    body: withExample(Type.Object({ content: Text() }), { content: 'Hello! Is the Aurora print still available in A3?' }),
    response: { 200: Type.Ref(Message), ...errors(400, 401, 403, 404, 409) },
  },
  delete: {
    tags: ['chat'],
    operationId: 'deleteMessage',
    summary: 'Delete your message for everyone (within MESSAGE_EDIT_WINDOW): a tombstone stays',
    security: [{ bearer: [] }],
    params: MessageParams,
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
  read: {
    tags: ['chat'],
    operationId: 'markRead',
    summary: "Move the caller's read marker forward",
    security: [{ bearer: [] }],
    params: ThreadParams,
    body: withExample(Type.Object({ up_to: Type.Optional(Id) }), { up_to: exampleOf(Message).id }),
    response: {
      200: withExample(Type.Object({ uuid: Type.String(), last_read_id: Type.Integer(), unread_count: Type.Integer() }), {
        uuid: EXAMPLE.threadUuid,
        last_read_id: exampleOf(Message).id,
        unread_count: 0,
      }),
      ...errors(400, 401, 404),
    },
  },
  newMessages: {
    tags: ['chat'],
    operationId: 'listNewMessages',
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
      200: withExample(Type.Object({ count: Type.Integer(), next: Nullable(Type.String()), results: Type.Array(Type.Ref(Message)) }), {
        count: 1,
        next: null,
        results: [exampleOf(Message)],
      }),
      ...errors(400, 401, 403),
    },
  },
}

// ---- events (docs/api.md §9): what streams carry besides messages ----

export const ReadEvent = Type.Object({ uuid: Type.String(), address: Type.String(), last_read_id: Type.Integer() })
export type ReadEvent = Static<typeof ReadEvent>

export const ThreadEvent = Type.Object({
  uuid: Type.String(),
  action: StringEnum(['created', 'updated', 'deleted']),
})
export type ThreadEvent = Static<typeof ThreadEvent>

export const TypingEvent = Type.Object({ uuid: Type.String(), address: Type.String() })
export type TypingEvent = Static<typeof TypingEvent>
