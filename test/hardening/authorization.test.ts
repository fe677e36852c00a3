import { createECDH, randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import type { Attachment } from '../../src/features/attachments/index.js'
import type { Shop, ThreadDetail } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { secretHash } from '../../src/core/secret-hash.js'
import { openDatabaseFile, raw } from '../helpers/contract.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openWs } from '../features/streams/clients.js'
import { operationKey, routeTable, type Operation } from './route-table.js'

/**
 * Who calls. A suspended address's token stopped working when it was suspended; the moderator
 * is in ADMIN_ADDRESSES and in no thread; the shop owner goes last, as closing the shop changes
 * the others' answers.
 */
const ROLES = ['no token', 'expired token', "other user's token", 'participant', 'suspended', 'moderator', 'shop owner'] as const
type Role = (typeof ROLES)[number]

/** One operation's fresh data: a shop, and a thread between a participant and a peer in that shop. */
interface World {
  tokens: Record<Role, string | undefined>
  participant: string
  peer: string
  shop: Shop
  thread: ThreadDetail
  /** A picture the participant sent in the thread, with its signed URLs. */
  picture: Attachment
  /** The participant's report of the thread, open. */
  report: { id: number }
  suspended: string
  /** The participant's webhook endpoint. */
  webhook: string
}

interface Call {
  path: (world: World) => string
  body?: (world: World) => unknown
}

/** Webhook endpoints point at a closed loopback port (WEBHOOK_ALLOW_PRIVATE): a test event never leaves the machine. */
const LOOPBACK_HOOK = 'http://127.0.0.1:9/hook'

/**
 * Who may do what (docs/api.md §2–§3, §6, §9): for every route, the status each caller gets, in the
 * order of ROLES. A route without a row here fails the test below, so a new route must come
 * with its authorization decided.
 */
type Statuses = [number, number, number, number, number, number, number]
const MATRIX: Record<string, Call & { expected: Statuses }> = {
  'POST /api/auth/challenge/': { path: () => '/api/auth/challenge/', body: () => ({ address: VfxSigner.generate().address }), expected: [200, 200, 200, 200, 200, 200, 200] },
  'POST /api/auth/token/': { path: () => '/api/auth/token/', body: () => 'signed challenge', expected: [200, 200, 200, 200, 200, 200, 200] },
  'DELETE /api/auth/token/': { path: () => '/api/auth/token/', expected: [401, 401, 204, 204, 401, 204, 204] },
  'GET /api/shop/': { path: () => '/api/shop/', expected: [200, 200, 200, 200, 200, 200, 200] },
  'POST /api/shop/': { path: () => '/api/shop/', body: () => ({ name: 'Mine', url: `vfx://${randomUUID()}` }), expected: [401, 401, 201, 201, 401, 201, 201] },
  'GET /api/shop/{id}/': { path: (w) => `/api/shop/${w.shop.id}/`, expected: [200, 200, 200, 200, 200, 200, 200] },
  'PATCH /api/shop/{id}/': { path: (w) => `/api/shop/${w.shop.id}/`, body: () => ({ name: 'Taken over' }), expected: [401, 401, 403, 403, 401, 403, 200] },
  'DELETE /api/shop/{id}/': { path: (w) => `/api/shop/${w.shop.id}/`, expected: [401, 401, 403, 403, 401, 403, 204] },
  'GET /api/chat/': { path: () => '/api/chat/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'POST /api/chat/': {
    path: () => '/api/chat/',
    body: (w) => ({ participants: [w.participant, w.peer], shop_id: w.shop.id }),
    expected: [401, 401, 403, 200, 401, 403, 200],
  },
  'GET /api/chat/lookup/': {
    path: (w) => `/api/chat/lookup/?participants=${w.participant},${w.peer}&shop_id=${w.shop.id}`,
    expected: [401, 401, 403, 200, 401, 403, 200],
  },
  'GET /api/chat/new-messages/': { path: (w) => `/api/chat/new-messages/?address=${w.participant}`, expected: [401, 401, 403, 200, 401, 403, 403] },
  'GET /api/chat/{uuid}/': { path: (w) => `/api/chat/${w.thread.uuid}/`, expected: [401, 401, 404, 200, 401, 404, 200] },
  'PATCH /api/chat/{uuid}/': { path: (w) => `/api/chat/${w.thread.uuid}/`, body: () => ({ is_read: true }), expected: [401, 401, 404, 200, 401, 404, 200] },
  'DELETE /api/chat/{uuid}/': { path: (w) => `/api/chat/${w.thread.uuid}/`, expected: [401, 401, 404, 204, 401, 404, 204] },
  'GET /api/chat/{uuid}/message/': { path: (w) => `/api/chat/${w.thread.uuid}/message/`, expected: [401, 401, 404, 200, 401, 404, 200] },
  'POST /api/chat/{uuid}/message/': {
    path: (w) => `/api/chat/${w.thread.uuid}/message/`,
    body: () => ({ content: 'hello' }),
    expected: [401, 401, 404, 201, 401, 404, 201],
  },
  'POST /api/chat/{uuid}/attachments/': {
    path: (w) => `/api/chat/${w.thread.uuid}/attachments/?name=notes.txt`,
    body: () => ({ any: 'bytes' }),
    expected: [401, 401, 404, 201, 401, 404, 201],
  },
  // A signed URL is the capability itself: whoever holds it downloads, token or not, until it expires.
  'GET /api/attachments/{id}/': { path: (w) => w.picture.url, expected: [200, 200, 200, 200, 200, 200, 200] },
  'GET /api/attachments/{id}/thumbnail/': { path: (w) => w.picture.thumbnail_url!, expected: [200, 200, 200, 200, 200, 200, 200] },
  'POST /api/chat/{uuid}/reports/': { path: (w) => `/api/chat/${w.thread.uuid}/reports/`, body: () => ({ reason: 'spam' }), expected: [401, 401, 404, 201, 401, 404, 201] },
  // Moderation is for ADMIN_ADDRESSES only: everyone else is refused before anything is looked up.
  'GET /api/moderation/reports/': { path: () => '/api/moderation/reports/', expected: [401, 401, 403, 403, 401, 200, 403] },
  'GET /api/moderation/reports/{id}/': { path: (w) => `/api/moderation/reports/${w.report.id}/`, expected: [401, 401, 403, 403, 401, 200, 403] },
  'POST /api/moderation/reports/{id}/resolve/': {
    path: (w) => `/api/moderation/reports/${w.report.id}/resolve/`,
    body: () => ({ resolution: 'dismissed' }),
    expected: [401, 401, 403, 403, 401, 200, 403],
  },
  'POST /api/moderation/suspensions/': {
    path: () => '/api/moderation/suspensions/',
    body: (w) => ({ address: w.peer, reason: 'spam' }),
    expected: [401, 401, 403, 403, 401, 201, 403],
  },
  'GET /api/moderation/suspensions/': { path: () => '/api/moderation/suspensions/', expected: [401, 401, 403, 403, 401, 200, 403] },
  'DELETE /api/moderation/suspensions/{address}/': { path: (w) => `/api/moderation/suspensions/${w.suspended}/`, expected: [401, 401, 403, 403, 401, 204, 403] },
  'GET /api/moderation/audit/': { path: () => '/api/moderation/audit/', expected: [401, 401, 403, 403, 401, 200, 403] },
  'POST /api/chat/{uuid}/read/': { path: (w) => `/api/chat/${w.thread.uuid}/read/`, body: () => ({}), expected: [401, 401, 404, 200, 401, 404, 200] },
  // Only the sender changes a message (here the participant's first one); others learn nothing of other threads.
  'PATCH /api/chat/{uuid}/message/{id}/': {
    path: (w) => `/api/chat/${w.thread.uuid}/message/${w.thread.messages[0]!.id}/`,
    body: () => ({ content: 'edited' }),
    expected: [401, 401, 404, 200, 401, 404, 403],
  },
  'DELETE /api/chat/{uuid}/message/{id}/': {
    path: (w) => `/api/chat/${w.thread.uuid}/message/${w.thread.messages[0]!.id}/`,
    expected: [401, 401, 404, 204, 401, 404, 403],
  },
  'POST /api/moderation/messages/{id}/remove/': {
    path: (w) => `/api/moderation/messages/${w.thread.messages[0]!.id}/remove/`,
    body: () => ({ reason: 'spam' }),
    expected: [401, 401, 403, 403, 401, 204, 403],
  },
  // Each caller's own block list: blocking the peer is each one's own business; unblocking someone never blocked is 404.
  'GET /api/blocks/': { path: () => '/api/blocks/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'POST /api/blocks/': { path: () => '/api/blocks/', body: (w) => ({ address: w.peer }), expected: [401, 401, 201, 201, 401, 201, 201] },
  'DELETE /api/blocks/{address}/': { path: (w) => `/api/blocks/${w.peer}/`, expected: [401, 401, 404, 404, 401, 404, 404] },
  // Each caller's own account: anyone signed in exports their own; erasing needs the caller's own address as `confirm`.
  'GET /api/me/export/': { path: () => '/api/me/export/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'DELETE /api/me/': { path: () => '/api/me/', body: (w) => ({ confirm: w.participant }), expected: [401, 401, 403, 204, 401, 403, 403] },
  // Everyone may open a stream of their own events; a thread's events reach only its participants.
  'GET /api/chat/stream/': { path: () => '/api/chat/stream/', expected: [401, 401, 200, 200, 401, 200, 200] },
  // A WebSocket's outcome: its close code when sign-in fails, else the status of a send to the thread.
  'GET /api/chat/ws/': { path: () => '/api/chat/ws/', expected: [4401, 4401, 404, 201, 4401, 404, 201] },
  // Consent (§14): each caller's own settings; accepting a thread one takes part in is always possible,
  // declining only a request (the participant opened this one; the shop accepts its buyers).
  'POST /api/chat/{uuid}/accept/': { path: (w) => `/api/chat/${w.thread.uuid}/accept/`, expected: [401, 401, 404, 200, 401, 404, 200] },
  'POST /api/chat/{uuid}/decline/': { path: (w) => `/api/chat/${w.thread.uuid}/decline/`, expected: [401, 401, 404, 409, 401, 404, 409] },
  'GET /api/consent/settings/': { path: () => '/api/consent/settings/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'PATCH /api/consent/settings/': { path: () => '/api/consent/settings/', body: () => ({ message_requests: true }), expected: [401, 401, 200, 200, 401, 200, 200] },
  // Notifications (§15): each caller's own preferences; a mute only of a thread one takes part in.
  'GET /api/notifications/preferences/': { path: () => '/api/notifications/preferences/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'PATCH /api/notifications/preferences/': { path: () => '/api/notifications/preferences/', body: () => ({ push: false }), expected: [401, 401, 200, 200, 401, 200, 200] },
  'GET /api/notifications/mutes/': { path: () => '/api/notifications/mutes/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'PUT /api/notifications/mutes/{uuid}/': { path: (w) => `/api/notifications/mutes/${w.thread.uuid}/`, body: () => ({}), expected: [401, 401, 404, 200, 401, 404, 200] },
  'DELETE /api/notifications/mutes/{uuid}/': { path: (w) => `/api/notifications/mutes/${w.thread.uuid}/`, expected: [401, 401, 404, 404, 401, 404, 404] },
  // E-mail (§15.4) is off without SMTP_URL, as on this server: 404 for everyone signed in, and
  // for the links, which need no sign-in (their token says who).
  'GET /api/notifications/email/': { path: () => '/api/notifications/email/', expected: [401, 401, 404, 404, 401, 404, 404] },
  'PUT /api/notifications/email/': { path: () => '/api/notifications/email/', body: () => ({ email: 'a@example.com' }), expected: [401, 401, 404, 404, 401, 404, 404] },
  'DELETE /api/notifications/email/': { path: () => '/api/notifications/email/', expected: [401, 401, 404, 404, 401, 404, 404] },
  'GET /api/notifications/email/verify/': { path: () => '/api/notifications/email/verify/?token=x', expected: [404, 404, 404, 404, 404, 404, 404] },
  'POST /api/notifications/email/verify/': { path: () => '/api/notifications/email/verify/?token=x', expected: [404, 404, 404, 404, 404, 404, 404] },
  'GET /api/notifications/email/unsubscribe/': { path: () => '/api/notifications/email/unsubscribe/?token=x', expected: [404, 404, 404, 404, 404, 404, 404] },
  'POST /api/notifications/email/unsubscribe/': { path: () => '/api/notifications/email/unsubscribe/?token=x', expected: [404, 404, 404, 404, 404, 404, 404] },
  // Web Push (§15.3): the key is public; each caller's subscriptions are their own (a browser subscribed again moves to its new owner).
  'GET /api/notifications/push/key/': { path: () => '/api/notifications/push/key/', expected: [200, 200, 200, 200, 200, 200, 200] },
  'POST /api/notifications/push/subscriptions/': { path: () => '/api/notifications/push/subscriptions/', body: () => browserSubscription(), expected: [401, 401, 201, 201, 401, 201, 201] },
  'GET /api/notifications/push/subscriptions/': { path: () => '/api/notifications/push/subscriptions/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'DELETE /api/notifications/push/subscriptions/': { path: () => '/api/notifications/push/subscriptions/', body: () => ({ endpoint: 'https://push.example.com/send/unknown' }), expected: [401, 401, 404, 404, 401, 404, 404] },
  // Webhooks (§15.2): anyone signed in registers their own; an endpoint is its owner's alone, 404 to everyone else.
  'POST /api/webhooks/': { path: () => '/api/webhooks/', body: () => ({ url: LOOPBACK_HOOK, events: ['message.created'] }), expected: [401, 401, 201, 201, 401, 201, 201] },
  'GET /api/webhooks/': { path: () => '/api/webhooks/', expected: [401, 401, 200, 200, 401, 200, 200] },
  'GET /api/webhooks/{id}/': { path: (w) => `/api/webhooks/${w.webhook}/`, expected: [401, 401, 404, 200, 401, 404, 404] },
  'PATCH /api/webhooks/{id}/': { path: (w) => `/api/webhooks/${w.webhook}/`, body: () => ({ description: 'mine' }), expected: [401, 401, 404, 200, 401, 404, 404] },
  'DELETE /api/webhooks/{id}/': { path: (w) => `/api/webhooks/${w.webhook}/`, expected: [401, 401, 404, 204, 401, 404, 404] },
  'POST /api/webhooks/{id}/rotate-secret/': { path: (w) => `/api/webhooks/${w.webhook}/rotate-secret/`, expected: [401, 401, 404, 200, 401, 404, 404] },
  'POST /api/webhooks/{id}/test/': { path: (w) => `/api/webhooks/${w.webhook}/test/`, expected: [401, 401, 404, 202, 401, 404, 404] },
  'GET /api/webhooks/{id}/deliveries/': { path: (w) => `/api/webhooks/${w.webhook}/deliveries/`, expected: [401, 401, 404, 200, 401, 404, 404] },
  // A delivery that does not exist is 404 to its owner as well: the route never says whose it would be.
  'POST /api/webhooks/{id}/deliveries/{delivery}/retry/': { path: (w) => `/api/webhooks/${w.webhook}/deliveries/1/retry/`, expected: [401, 401, 404, 404, 401, 404, 404] },
}

/** A browser's PushSubscription at a public push service, with real P-256 keys. */
function browserSubscription() {
  const keys = createECDH('prime256v1')
  keys.generateKeys()
  return { endpoint: 'https://push.example.com/send/browser', keys: { p256dh: keys.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } }
}

let server: TestServer
let operations: Operation[]
const operator = VfxSigner.generate()
beforeAll(async () => {
  server = await startTestServer({ ADMIN_ADDRESSES: operator.address, WEBHOOK_ALLOW_PRIVATE: '1' })
  operations = await routeTable(server.url)
})
afterAll(() => server.destroy())

async function world(): Promise<World> {
  const [participant, peer, owner, other, expired, suspended, moderator] = await Promise.all([
    server.signIn(),
    server.signIn(),
    server.signIn(),
    server.signIn(),
    server.signIn(),
    server.signIn(),
    server.signIn(operator),
  ])
  const shop = await owner.createShop({ name: 'Owned', url: `vfx://${randomUUID()}` })
  const { thread } = await participant.createThread({
    participants: [participant.address, peer.address],
    shop_id: shop.id,
    initial_message: 'is it still for sale?',
  })
  const picture = (await (
    await fetch(`${server.url}/api/chat/${thread.uuid}/attachments/?name=item.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${participant.token}` },
      body: new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#345' } }).png().toBuffer()),
    })
  ).json()) as Attachment
  await participant.sendMessage(thread.uuid, { content: '', attachments: [picture.id] })
  const report = await raw(server, 'POST', `/api/chat/${thread.uuid}/reports/`, { token: participant.token!, body: { reason: 'spam' } })
  const suspension = await raw(server, 'POST', '/api/moderation/suspensions/', {
    token: moderator.token!,
    body: { address: suspended.address, reason: 'spam' },
  })
  const webhook = await raw(server, 'POST', '/api/webhooks/', {
    token: participant.token!,
    body: { url: LOOPBACK_HOOK, events: ['message.created'] },
  })
  expect([report.status, suspension.status, webhook.status]).toEqual([201, 201, 201])
  const db = openDatabaseFile(server)
  db.prepare('update tokens set expires_at = ? where token_hash = ?').run('2000-01-01T00:00:00.000Z', secretHash(expired.token!))
  db.close()
  return {
    tokens: {
      'no token': undefined,
      'expired token': expired.token!,
      "other user's token": other.token!,
      participant: participant.token!,
      suspended: suspended.token!,
      moderator: moderator.token!,
      'shop owner': owner.token!,
    },
    participant: participant.address,
    peer: peer.address,
    shop,
    thread,
    picture,
    report: report.json as { id: number },
    suspended: suspended.address,
    webhook: (webhook.json as { id: string }).id,
  }
}

/** The body a call sends; the token route signs a fresh challenge each time. */
async function bodyOf(call: Call, w: World): Promise<unknown> {
  const body = call.body?.(w)
  return body === 'signed challenge' ? signedChallenge(VfxSigner.generate()) : body
}

/** A challenge for the signer's address, signed: the body of POST /api/auth/token/. */
async function signedChallenge(signer: VfxSigner) {
  const response = await fetch(`${server.url}/api/auth/challenge/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address: signer.address }),
  })
  const { message } = (await response.json()) as { message: string }
  return { address: signer.address, message, signature: signer.sign(message) }
}

/** Status of one HTTP call; asserts the contract's 401 (WWW-Authenticate) and error bodies on the way. */
async function httpStatus(method: string, call: Call, w: World, token: string | undefined): Promise<number> {
  const body = await bodyOf(call, w)
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch(server.url + call.path(w), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel()
    return response.status
  }
  const text = await response.text()
  if (response.status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  if (response.status >= 400) expect(Object.keys(JSON.parse(text))).toEqual(['detail'])
  return response.status
}

/** Signs a WebSocket in by its first frame, then sends to the world's thread. */
async function webSocketOutcome(on: TestServer, uuid: string, token: string | undefined): Promise<number> {
  const ws = await openWs(on.url)
  if (token) ws.send({ type: 'auth', token })
  ws.send({ type: 'send', thread_uuid: uuid, content: 'over the socket', client_id: 'ws-1' })
  const outcome = await Promise.race([
    ws.closed,
    ws.frames
      .until((frames) => frames.some((frame) => frame.type === 'ack' || frame.type === 'error'))
      .then((frames) => {
        const answer = frames.find((frame) => frame.type === 'ack' || frame.type === 'error')!
        return answer.type === 'ack' ? 201 : (answer.data.status as number)
      }),
  ])
  ws.socket.close()
  return outcome
}

describe('authorization matrix', () => {
  it('has a row for every route of the OpenAPI document, and no row for a route that does not exist', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(operations.map(operationKey).sort())
  })

  it.each(Object.keys(MATRIX))('%s answers each kind of caller as the contract says', async (key) => {
    const method = key.split(' ')[0]!
    const call = MATRIX[key]!
    const w = await world()
    const actual: Record<string, number> = {}
    // The shop owner goes last: closing the shop would change the others' answers.
    for (const role of ROLES) {
      const token = w.tokens[role]
      actual[role] = key === 'GET /api/chat/ws/' ? await webSocketOutcome(server, w.thread.uuid, token) : await httpStatus(method, call, w, token)
    }
    expect(actual).toEqual(Object.fromEntries(ROLES.map((role, i) => [role, call.expected[i]])))
  })
})

const THREAD_ROLES = ['blocked peer', 'declined requester', 'decliner'] as const
type ThreadRole = (typeof THREAD_ROLES)[number]

/** A thread as one role meets it: who acts, the other side, and the opener's first message. */
interface ThreadWorld {
  me: Client
  other: Client
  uuid: string
  openerMessage: number
}
type Client = Awaited<ReturnType<TestServer['signIn']>>

/**
 * What a block and a declined request leave each side (docs/api.md §11, §14), on every path
 * into a thread, in the order of THREAD_ROLES: the blocked peer opened a thread and was then
 * blocked; the requester opened one that the decliner (who asked for message requests) declined.
 * The server allows one message per request, so the requester is at its limit.
 */
const THREAD_MATRIX: Record<string, { path: (t: ThreadWorld) => string; body?: (t: ThreadWorld) => unknown; expected: [number, number, number] }> = {
  'GET /api/chat/': { path: () => '/api/chat/', expected: [200, 200, 200] },
  'POST /api/chat/': { path: () => '/api/chat/', body: (t) => ({ participants: [t.me.address, t.other.address] }), expected: [403, 200, 200] },
  'GET /api/chat/lookup/': { path: (t) => `/api/chat/lookup/?participants=${t.me.address},${t.other.address}`, expected: [403, 200, 200] },
  'GET /api/chat/new-messages/': { path: (t) => `/api/chat/new-messages/?address=${t.me.address}`, expected: [200, 200, 200] },
  'GET /api/chat/{uuid}/': { path: (t) => `/api/chat/${t.uuid}/`, expected: [200, 200, 200] },
  'PATCH /api/chat/{uuid}/': { path: (t) => `/api/chat/${t.uuid}/`, body: () => ({ is_read: true }), expected: [200, 200, 200] },
  'DELETE /api/chat/{uuid}/': { path: (t) => `/api/chat/${t.uuid}/`, expected: [204, 204, 204] },
  'GET /api/chat/{uuid}/message/': { path: (t) => `/api/chat/${t.uuid}/message/`, expected: [200, 200, 200] },
  'POST /api/chat/{uuid}/message/': { path: (t) => `/api/chat/${t.uuid}/message/`, body: () => ({ content: 'again' }), expected: [403, 403, 201] },
  'POST /api/chat/{uuid}/attachments/': { path: (t) => `/api/chat/${t.uuid}/attachments/?name=a.txt`, body: () => ({ any: 'bytes' }), expected: [403, 403, 201] },
  'POST /api/chat/{uuid}/read/': { path: (t) => `/api/chat/${t.uuid}/read/`, body: () => ({}), expected: [200, 200, 200] },
  'POST /api/chat/{uuid}/reports/': { path: (t) => `/api/chat/${t.uuid}/reports/`, body: () => ({ reason: 'spam' }), expected: [201, 201, 201] },
  'POST /api/chat/{uuid}/accept/': { path: (t) => `/api/chat/${t.uuid}/accept/`, expected: [200, 200, 200] },
  'POST /api/chat/{uuid}/decline/': { path: (t) => `/api/chat/${t.uuid}/decline/`, expected: [409, 409, 200] },
  // Their own words stay theirs to correct or withdraw; the decliner's are not there.
  'PATCH /api/chat/{uuid}/message/{id}/': {
    path: (t) => `/api/chat/${t.uuid}/message/${t.openerMessage}/`,
    body: () => ({ content: 'edited' }),
    expected: [200, 200, 403],
  },
  'DELETE /api/chat/{uuid}/message/{id}/': { path: (t) => `/api/chat/${t.uuid}/message/${t.openerMessage}/`, expected: [204, 204, 403] },
  'GET /api/chat/ws/': { path: () => '/api/chat/ws/', expected: [403, 403, 201] },
  // Silencing a thread one still sees is always one's own choice.
  'PUT /api/notifications/mutes/{uuid}/': { path: (t) => `/api/notifications/mutes/${t.uuid}/`, body: () => ({}), expected: [200, 200, 200] },
  'DELETE /api/notifications/mutes/{uuid}/': { path: (t) => `/api/notifications/mutes/${t.uuid}/`, expected: [404, 404, 404] },
}

/** A fresh thread in the state `role` meets it. */
async function threadWorld(role: ThreadRole): Promise<ThreadWorld> {
  const [opener, recipient] = await Promise.all([requestServer.signIn(), requestServer.signIn()])
  if (role !== 'blocked peer') await raw(requestServer, 'PATCH', '/api/consent/settings/', { token: recipient.token!, body: { message_requests: true } })
  const { thread } = await opener.createThread({ participants: [opener.address, recipient.address], initial_message: 'hello?' })
  const settled =
    role === 'blocked peer'
      ? await raw(requestServer, 'POST', '/api/blocks/', { token: recipient.token!, body: { address: opener.address } })
      : await raw(requestServer, 'POST', `/api/chat/${thread.uuid}/decline/`, { token: recipient.token! })
  expect(settled.status).toBeLessThan(300)
  const [me, other] = role === 'decliner' ? [recipient, opener] : [opener, recipient]
  return { me, other, uuid: thread.uuid, openerMessage: thread.messages[0]!.id }
}

let requestServer: TestServer
describe('what a block and a declined request leave each side', () => {
  beforeAll(async () => {
    requestServer = await startTestServer({ REQUEST_MESSAGE_LIMIT: '1' })
  })
  afterAll(() => requestServer.destroy())

  it('has a row for every route into a thread', () => {
    const intoThreads = operations.map(operationKey).filter((key) => key.includes('{uuid}') || /\/api\/chat\/(lookup|new-messages|ws)?\/?$/.test(key))
    expect(Object.keys(THREAD_MATRIX).sort()).toEqual(intoThreads.sort())
  })

  it.each(Object.keys(THREAD_MATRIX))('%s answers the blocked, the declined requester and the decliner as the contract says', async (key) => {
    const row = THREAD_MATRIX[key]!
    const actual: Record<string, number> = {}
    for (const role of THREAD_ROLES) {
      const t = await threadWorld(role)
      if (key === 'GET /api/chat/ws/') {
        actual[role] = await webSocketOutcome(requestServer, t.uuid, t.me.token!)
      } else {
        actual[role] = (await raw(requestServer, key.split(' ')[0]!, row.path(t), { token: t.me.token!, body: row.body?.(t) })).status
      }
    }
    expect(actual).toEqual(Object.fromEntries(THREAD_ROLES.map((role, i) => [role, row.expected[i]])))
  })
})

describe('thread existence is never revealed', () => {
  it("answers a non-participant exactly as for a thread that does not exist, on every thread route", async () => {
    const w = await world()
    const other = w.tokens["other user's token"]!
    for (const operation of operations.filter((o) => o.path.includes('{uuid}'))) {
      const call = MATRIX[operationKey(operation)]!
      const missing = { ...w, thread: { ...w.thread, uuid: randomUUID() } }
      const answers = []
      for (const target of [w, missing]) {
        const body = await bodyOf(call, target)
        const response = await fetch(server.url + call.path(target), {
          method: operation.method,
          headers: { authorization: `Bearer ${other}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
        answers.push({ status: response.status, body: await response.text() })
      }
      expect(answers[0], operationKey(operation)).toEqual(answers[1])
    }
  })
})

describe('challenge replay', () => {
  it('turns one signed challenge sent ten times at once into exactly one token', async () => {
    const body = JSON.stringify(await signedChallenge(VfxSigner.generate()))
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${server.url}/api/auth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
      ),
    )
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401, 401, 401])
  })
})
