import type { AccountExport } from '../features/account/index.js'
import type { Attachment } from '../features/attachments/index.js'
import type { Challenge, Session } from '../features/auth/index.js'
import type { Block } from '../features/blocks/index.js'
import type { Message, Thread, ThreadDetail } from '../features/chat/index.js'
import type { ConsentSettings } from '../features/consent/index.js'
import type { AuditEntry, Report, Suspension } from '../features/moderation/index.js'
import type {
  EmailAddress,
  NotificationPreferences,
  PushKey,
  PushMessage,
  PushSubscription,
  ThreadMute,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookEvent,
} from '../features/notifications/index.js'
import type { Shop } from '../features/shops/index.js'
import type { VfxSigner } from './signer.js'

// The server's own schemas are the one definition of every shape the API answers with.
export type { Attachment, AuditEntry, Block, Challenge, ConsentSettings, Message, Report, Session, Shop, Suspension, Thread, ThreadDetail }
export type { EmailAddress, NotificationPreferences, PushKey, PushMessage, PushSubscription, ThreadMute }
export type { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEvent }

/** A thread's standing for the caller (docs/api.md §14): accepted, a message request, or declined. */
export type Consent = Thread['consent']

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

/** A non-2xx answer: `status` and the contract's error body (`{detail}` or `{field: [...]}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`)
  }
}

type Query = Record<string, string | number | boolean | undefined>

interface ExchangeOptions {
  query?: Query
  /** Sent as JSON. */
  body?: unknown
  /** Sent as it is, instead of `body`: a file's bytes. */
  file?: Blob | Uint8Array<ArrayBuffer>
  /** Bytes of `file` sent so far, of `total`. */
  onProgress?: (sent: number, total: number) => void
  signal?: AbortSignal
}

/** What the transport brought back, before it is read as the contract's answer. */
interface RawAnswer {
  status: number
  text: string
  headers: Headers
}

/**
 * A typed client of the vfx-chat HTTP API (docs/api.md), for Node and browsers. Tests, the web
 * client and integrators use the same code.
 *
 * ```ts
 * const client = new VfxChatClient('http://localhost:8000')
 * await client.signIn(VfxSigner.fromPrivateKey(key))
 * const { thread } = await client.createThread({ participants: [client.address!, other] })
 * ```
 */
export class VfxChatClient {
  readonly baseUrl: string
  token: string | null
  address: string | null = null

  constructor(baseUrl: string, token: string | null = null) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.token = token
  }

  // ---- sign-in ----

  challenge(address: string) {
    return this.request<Challenge>('POST', '/api/auth/challenge/', {
      body: { address },
    })
  }

  issueToken(address: string, message: string, signature: string) {
    return this.request<Session>('POST', '/api/auth/token/', { body: { address, message, signature } })
  }

  /** Challenge, sign locally, exchange for a token; the key never leaves the signer. */
  async signIn(signer: VfxSigner): Promise<Session> {
    const { message } = await this.challenge(signer.address)
    const session = await this.issueToken(signer.address, message, signer.sign(message))
    this.token = session.token
    this.address = session.address
    return session
  }

  async signOut(): Promise<void> {
    await this.request<void>('DELETE', '/api/auth/token/')
    this.token = null
    this.address = null
  }

  // ---- your data ----

  /** Everything the service holds of the caller, as one document (docs/api.md §13). */
  exportAccount() {
    return this.request<AccountExport>('GET', '/api/me/export/')
  }

  /** Erases the caller's account; `confirm` must be the caller's own address (docs/api.md §13). */
  async eraseAccount(confirm: string): Promise<void> {
    await this.request<void>('DELETE', '/api/me/', { body: { confirm } })
    this.token = null
    this.address = null
  }

  // ---- threads ----

  /** Without `consent`, every thread but the declined ones. */
  listThreads(query: { page?: number; page_size?: number; shop_id?: number; shop_url?: string; address?: string; consent?: Consent } = {}) {
    return this.request<Page<Thread>>('GET', '/api/chat/', { query })
  }

  /** Creates the thread or returns the existing one; `created` tells which (201 or 200). */
  async createThread(body: { participants: string[]; shop_id?: number | null; initial_message?: string }) {
    const { status, body: thread } = await this.exchange<ThreadDetail>('POST', '/api/chat/', { body })
    return { thread, created: status === 201 }
  }

  getThread(uuid: string) {
    return this.request<ThreadDetail>('GET', `/api/chat/${encodeURIComponent(uuid)}/`)
  }

  updateThread(uuid: string, body: { is_read?: boolean; shop_id?: number | null; participants?: string[] }) {
    return this.request<ThreadDetail>('PATCH', `/api/chat/${encodeURIComponent(uuid)}/`, { body })
  }

  deleteThread(uuid: string) {
    return this.request<void>('DELETE', `/api/chat/${encodeURIComponent(uuid)}/`)
  }

  /** Accepts a message request (or a declined thread): it joins the caller's chats. Replying accepts too. */
  acceptThread(uuid: string) {
    return this.request<ThreadDetail>('POST', `/api/chat/${encodeURIComponent(uuid)}/accept/`)
  }

  /** Declines a message request: it leaves the caller's list (`consent: 'declined'` still lists it). */
  declineThread(uuid: string) {
    return this.request<ThreadDetail>('POST', `/api/chat/${encodeURIComponent(uuid)}/decline/`)
  }

  lookup(participants: string[], shopId?: number) {
    return this.request<{ thread: { uuid: string; participants: string[]; shop_id: number | null } }>(
      'GET',
      '/api/chat/lookup/',
      { query: { participants: participants.join(','), shop_id: shopId } },
    )
  }

  // ---- messages ----

  listMessages(uuid: string, query: { page?: number; page_size?: number; after?: number; before?: number; limit?: number } = {}) {
    return this.request<Page<Message>>('GET', `/api/chat/${encodeURIComponent(uuid)}/message/`, { query })
  }

  /**
   * Sends a message; `created` is false when `client_id` matched an earlier send (200).
   * `attachments` are ids of the caller's uploads to this thread; `content` may then be empty.
   */
  async sendMessage(uuid: string, body: { content: string; client_id?: string; sender?: string; attachments?: string[] }) {
    const { status, body: message } = await this.exchange<Message>('POST', `/api/chat/${encodeURIComponent(uuid)}/message/`, {
      body,
    })
    return { message, created: status === 201 }
  }

  /** Edits the caller's own message for everyone, within MESSAGE_EDIT_WINDOW (docs/api.md §4). */
  editMessage(uuid: string, id: number, content: string) {
    return this.request<Message>('PATCH', `/api/chat/${encodeURIComponent(uuid)}/message/${id}/`, { body: { content } })
  }

  /** Deletes the caller's own message for everyone: it stays as a tombstone. */
  async deleteMessage(uuid: string, id: number): Promise<void> {
    await this.request<void>('DELETE', `/api/chat/${encodeURIComponent(uuid)}/message/${id}/`)
  }

  /**
   * Uploads a file to a thread, for a message to carry by its id. The server decides what the
   * bytes are; `name` is only for the download.
   *
   * ```ts
   * const photo = await client.uploadAttachment(uuid, file, file.name, { onProgress: (sent, total) => bar.value = sent / total })
   * await client.sendMessage(uuid, { content: '', attachments: [photo.id] })
   * ```
   */
  uploadAttachment(
    uuid: string,
    file: Blob | Uint8Array<ArrayBuffer>,
    name: string,
    options: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal } = {},
  ) {
    return this.request<Attachment>('POST', `/api/chat/${encodeURIComponent(uuid)}/attachments/`, {
      query: { name },
      file,
      ...options,
    })
  }

  markRead(uuid: string, upTo?: number) {
    return this.request<{ uuid: string; last_read_id: number; unread_count: number }>(
      'POST',
      `/api/chat/${encodeURIComponent(uuid)}/read/`,
      { body: upTo === undefined ? {} : { up_to: upTo } },
    )
  }

  newMessages(query: { address?: string; since?: string; after_id?: number; limit?: number; wait?: number } = {}) {
    return this.request<{ count: number; next: string | null; results: Message[] }>('GET', '/api/chat/new-messages/', {
      query,
    })
  }

  // ---- blocks ----

  listBlocks(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<Block>>('GET', '/api/blocks/', { query })
  }

  /**
   * Blocks an address: it can no longer message the caller, nor see them type or read.
   * `created` is false when it was blocked already (200); the block keeps its first `created_at`.
   */
  async block(address: string) {
    const { status, body: block } = await this.exchange<Block>('POST', '/api/blocks/', { body: { address } })
    return { block, created: status === 201 }
  }

  unblock(address: string) {
    return this.request<void>('DELETE', `/api/blocks/${encodeURIComponent(address)}/`)
  }

  // ---- message requests ----

  consentSettings() {
    return this.request<ConsentSettings>('GET', '/api/consent/settings/')
  }

  updateConsentSettings(body: Partial<ConsentSettings>) {
    return this.request<ConsentSettings>('PATCH', '/api/consent/settings/', { body })
  }

  // ---- reports and moderation (operators only, but for `reportThread`) ----

  /** Reports a thread to the operators, with a snapshot of the given messages (or the latest 20). */
  reportThread(uuid: string, body: { reason: string; message_ids?: number[] }) {
    return this.request<Report>('POST', `/api/chat/${encodeURIComponent(uuid)}/reports/`, { body })
  }

  listReports(query: { page?: number; page_size?: number; status?: Report['status'] } = {}) {
    return this.request<Page<Report>>('GET', '/api/moderation/reports/', { query })
  }

  getReport(id: number) {
    return this.request<Report>('GET', `/api/moderation/reports/${id}/`)
  }

  resolveReport(id: number, resolution: string) {
    return this.request<Report>('POST', `/api/moderation/reports/${id}/resolve/`, { body: { resolution } })
  }

  /** Removes a message for everyone: it stays as a tombstone that says moderators removed it. */
  removeMessage(id: number, reason: string) {
    return this.request<void>('POST', `/api/moderation/messages/${id}/remove/`, { body: { reason } })
  }

  /** Ends every session of the address at once; `until` (RFC 3339) or, without it, until lifted. */
  suspend(body: { address: string; reason: string; until?: string }) {
    return this.request<Suspension>('POST', '/api/moderation/suspensions/', { body })
  }

  listSuspensions(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<Suspension>>('GET', '/api/moderation/suspensions/', { query })
  }

  liftSuspension(address: string) {
    return this.request<void>('DELETE', `/api/moderation/suspensions/${encodeURIComponent(address)}/`)
  }

  auditLog(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<AuditEntry>>('GET', '/api/moderation/audit/', { query })
  }

  // ---- notifications (docs/api.md §15) ----

  notificationPreferences() {
    return this.request<NotificationPreferences>('GET', '/api/notifications/preferences/')
  }

  updateNotificationPreferences(body: Partial<NotificationPreferences>) {
    return this.request<NotificationPreferences>('PATCH', '/api/notifications/preferences/', { body })
  }

  listMutes(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<ThreadMute>>('GET', '/api/notifications/mutes/', { query })
  }

  /** Mutes a thread on every channel, for ever or `until` (RFC 3339). */
  muteThread(uuid: string, until: string | null = null) {
    return this.request<ThreadMute>('PUT', `/api/notifications/mutes/${encodeURIComponent(uuid)}/`, { body: { until } })
  }

  unmuteThread(uuid: string) {
    return this.request<void>('DELETE', `/api/notifications/mutes/${encodeURIComponent(uuid)}/`)
  }

  /** The VAPID public key a browser subscribes with (`applicationServerKey`). */
  pushKey() {
    return this.request<PushKey>('GET', '/api/notifications/push/key/')
  }

  /** Registers a browser's `PushSubscription.toJSON()` for the caller. */
  subscribePush(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }) {
    return this.request<PushSubscription>('POST', '/api/notifications/push/subscriptions/', { body: subscription })
  }

  listPushSubscriptions(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<PushSubscription>>('GET', '/api/notifications/push/subscriptions/', { query })
  }

  unsubscribePush(endpoint: string) {
    return this.request<void>('DELETE', '/api/notifications/push/subscriptions/', { body: { endpoint } })
  }

  /** The caller's e-mail address for digests (404 without one, or when the server has no SMTP_URL). */
  emailAddress() {
    return this.request<EmailAddress>('GET', '/api/notifications/email/')
  }

  /** Binds an address and mails its verification link; digests start once it is followed. */
  bindEmail(email: string) {
    return this.request<EmailAddress>('PUT', '/api/notifications/email/', { body: { email } })
  }

  removeEmail() {
    return this.request<void>('DELETE', '/api/notifications/email/')
  }

  // ---- webhooks (docs/api.md §15.2) ----

  /** Registers an endpoint; the answer's `secret` is shown this once. */
  createWebhook(body: { url: string; events: WebhookEvent[]; shop_id?: number | null; description?: string }) {
    return this.request<WebhookEndpointWithSecret>('POST', '/api/webhooks/', { body })
  }

  listWebhooks(query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<WebhookEndpoint>>('GET', '/api/webhooks/', { query })
  }

  getWebhook(id: string) {
    return this.request<WebhookEndpoint>('GET', `/api/webhooks/${encodeURIComponent(id)}/`)
  }

  /** Changes an endpoint; `enabled: true` turns a disabled one on again and sends what it held. */
  updateWebhook(id: string, body: { url?: string; events?: WebhookEvent[]; description?: string; enabled?: boolean }) {
    return this.request<WebhookEndpoint>('PATCH', `/api/webhooks/${encodeURIComponent(id)}/`, { body })
  }

  deleteWebhook(id: string) {
    return this.request<void>('DELETE', `/api/webhooks/${encodeURIComponent(id)}/`)
  }

  /** A new secret, shown this once; the old one keeps signing for 24 hours. */
  rotateWebhookSecret(id: string) {
    return this.request<WebhookEndpointWithSecret>('POST', `/api/webhooks/${encodeURIComponent(id)}/rotate-secret/`)
  }

  /** Sends a `ping` delivery to the endpoint. */
  testWebhook(id: string) {
    return this.request<WebhookDelivery>('POST', `/api/webhooks/${encodeURIComponent(id)}/test/`)
  }

  webhookDeliveries(id: string, query: { page?: number; page_size?: number } = {}) {
    return this.request<Page<WebhookDelivery>>('GET', `/api/webhooks/${encodeURIComponent(id)}/deliveries/`, { query })
  }

  /** Sends a finished delivery again, under the same event id. */
  redeliverWebhook(id: string, deliveryId: number) {
    return this.request<WebhookDelivery>('POST', `/api/webhooks/${encodeURIComponent(id)}/deliveries/${deliveryId}/retry/`)
  }

  // ---- shops ----

  listShops(query: { page?: number; page_size?: number; search?: string } = {}) {
    return this.request<Page<Shop>>('GET', '/api/shop/', { query })
  }

  createShop(body: { name: string; url: string }) {
    return this.request<Shop>('POST', '/api/shop/', { body })
  }

  getShop(id: number) {
    return this.request<Shop>('GET', `/api/shop/${id}/`)
  }

  updateShop(id: number, body: { name?: string; url?: string }) {
    return this.request<Shop>('PATCH', `/api/shop/${id}/`, { body })
  }

  deleteShop(id: number) {
    return this.request<void>('DELETE', `/api/shop/${id}/`)
  }

  // ---- transport ----

  async request<T>(method: string, path: string, options: ExchangeOptions = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body
  }

  /** One HTTP exchange; throws ApiError for any non-2xx answer. */
  async exchange<T>(method: string, path: string, options: ExchangeOptions = {}) {
    const url = new URL(this.baseUrl + path)
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = {}
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let body: Blob | Uint8Array<ArrayBuffer> | string | undefined
    if (options.file !== undefined) {
      // The server reads the type from the bytes, so the client claims none.
      headers['content-type'] = 'application/octet-stream'
      body = options.file
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    const { file, onProgress, signal } = options
    const answer =
      file !== undefined && onProgress
        ? await sendReportingProgress(method, url, headers, file, onProgress, signal)
        : await send(method, url, headers, body, signal)
    const parsed = answer.text === '' ? undefined : JSON.parse(answer.text)
    if (answer.status < 200 || answer.status > 299) throw new ApiError(answer.status, parsed ?? {}, answer.headers)
    return { status: answer.status, body: parsed as T, headers: answer.headers }
  }
}

async function send(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: BodyInit | undefined,
  signal: AbortSignal | undefined,
): Promise<RawAnswer> {
  const response = await fetch(url, { method, headers, body, signal })
  return { status: response.status, text: await response.text(), headers: response.headers }
}

/**
 * fetch reports no upload progress; XMLHttpRequest does, in browsers. Without it (Node) the
 * progress comes once, all sent, with the answer. A lost connection is a TypeError, as fetch's.
 */
async function sendReportingProgress(
  method: string,
  url: URL,
  headers: Record<string, string>,
  file: Blob | Uint8Array<ArrayBuffer>,
  onProgress: (sent: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<RawAnswer> {
  const total = file instanceof Uint8Array ? file.byteLength : file.size
  if (typeof XMLHttpRequest === 'undefined') {
    const answer = await send(method, url, headers, file, signal)
    onProgress(total, total)
    return answer
  }
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted()
    const xhr = new XMLHttpRequest()
    xhr.open(method, url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => onProgress(event.loaded, total)
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, headers: parseHeaders(xhr.getAllResponseHeaders()) })
    xhr.onerror = () => reject(new TypeError('The upload failed: the server cannot be reached.'))
    xhr.onabort = () => reject(signal?.reason ?? new DOMException('The upload was aborted.', 'AbortError'))
    signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(file)
  })
}

function parseHeaders(raw: string): Headers {
  const headers = new Headers()
  for (const line of raw.trim().split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return headers
}
