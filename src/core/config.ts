import { createECDH } from 'node:crypto'
import { dirname, join } from 'node:path'
import { isValidAddress, type Network } from './vfx/address.js'

/** Everything the service reads from its environment, parsed once at start-up. */
export interface Config {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string
  readonly redisUrl: string | null
  /** Redis pub/sub channel of this deployment's events. */
  readonly redisChannel: string
  readonly network: Network
  /** Seconds a bearer token stays valid. */
  readonly tokenTtl: number
  /** Unicode code points allowed in one message. */
  readonly maxMessageLength: number
  readonly trustProxy: boolean
  readonly corsOrigins: readonly string[]
  readonly logLevel: string
  /** Messages per second per address; 0 turns the limit off. */
  readonly rateLimitSend: number
  readonly rateLimitSendBurst: number
  /** Sign-in calls per minute per IP; 0 turns the limit off. */
  readonly rateLimitSignin: number
  /** Seconds a client has to send a request's headers, and its whole request (slow-client defence). */
  readonly headersTimeout: number
  readonly requestTimeout: number
  /** Seconds an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeout: number
  /** Seconds a socket may stay silent in either direction before it is closed. */
  readonly connectionTimeout: number
  /** Open streams (SSE and WebSocket together) one address, and one IP, may hold. */
  readonly maxStreamsPerAddress: number
  readonly maxStreamsPerIp: number
  /** Bytes a stream may have queued unsent before the slow consumer is cut off (it resumes by id). */
  readonly streamBufferBytes: number
  /** Seconds between stream heartbeats (SSE comment, WebSocket ping). */
  readonly streamHeartbeat: number
  /** Seconds after sending during which a sender may edit or delete a message. */
  readonly messageEditWindow: number
  /** Bytes one uploaded file may have. */
  readonly maxAttachmentBytes: number
  /** Bytes one address may upload in 24 hours; 0 turns the quota off. */
  readonly attachmentDailyBytes: number
  /** Seconds an upload may wait to be sent with a message before it is deleted. */
  readonly attachmentSweepAfter: number
  /** Where attachment bytes live: files under `blobDir` (one node) or PostgreSQL (any node serves any file). */
  readonly blobStore: 'filesystem' | 'postgres'
  readonly blobDir: string
  /** VFX addresses of the operators who moderate (reports, suspensions, the audit log). */
  readonly adminAddresses: readonly string[]
  /** Days a message is kept before the housekeeping deletes it; 0 keeps messages for ever. */
  readonly messageRetentionDays: number
  /** Whether threads others open wait as requests for an address that has not chosen (docs/api.md §14). */
  readonly messageRequests: boolean
  /** Messages an opener may send while every other participant holds the thread as a request. */
  readonly requestMessageLimit: number
  /** New threads an address nobody has answered may create per hour, and per day; 0 turns a limit off. */
  readonly unansweredThreadsPerHour: number
  readonly unansweredThreadsPerDay: number
  /** E-mail digests (docs/api.md §15.4): a nodemailer transport URL; null turns e-mail off. */
  readonly smtpUrl: string | null
  /** The From of every mail. */
  readonly mailFrom: string
  /** The web client's public base URL, which links in mails point to (no trailing slash). */
  readonly publicUrl: string | null
  /** The VAPID key pair Web Push signs with (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY); null: made once and kept in the database. */
  readonly vapid: { readonly publicKey: string; readonly privateKey: string } | null
  /** Whom push services may contact about this service's pushes (`mailto:` or `https:`). */
  readonly vapidSubject: string
  /** Whether push endpoints may be plain http or on private addresses (a push service on the same network, tests). */
  readonly pushAllowPrivate: boolean
  /** Webhook deliveries (docs/api.md §15.2): whether they may reach private networks (tests only), and their timing. */
  readonly webhooks: WebhookConfig
}

export interface WebhookConfig {
  readonly allowPrivate: boolean
  readonly timeoutMs: number
  readonly retryBaseMs: number
  /** How long a delivery is retried before it fails, ms. */
  readonly retryForMs: number
  /** Failed attempts in a row that disable an endpoint. */
  readonly disableAfter: number
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw.trim())
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase()
  if (['', '0', 'false', 'off', 'no'].includes(raw)) return false
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true
  throw new ConfigError(`${name} must be on or off (true/false, 1/0), got "${env[name]}"`)
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

function databaseUrl(env: Env): string {
  const raw = env.DATABASE_URL || 'sqlite:./data/vfx-chat.db'
  if (/^sqlite:.+/.test(raw) || /^postgres(ql)?:\/\/.+/.test(raw)) return raw
  throw new ConfigError(`DATABASE_URL must be sqlite:<file path> or postgres://…, got "${raw}"`)
}

function corsOrigins(env: Env): string[] {
  const raw = (env.CORS_ORIGINS ?? '').trim()
  if (raw === '') return []
  const origins = raw.split(',').map((origin) => origin.trim()).filter(Boolean)
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`CORS_ORIGINS must be a comma-separated list of origins like https://example.com, got "${origin}"`)
    }
  }
  return origins
}

function timeouts(env: Env) {
  const headersTimeout = integer(env, 'HEADERS_TIMEOUT', 10, 1, 3600)
  const requestTimeout = integer(env, 'REQUEST_TIMEOUT', 30, 1, 3600)
  // Node refuses a headers deadline later than the whole request's.
  if (headersTimeout > requestTimeout) {
    throw new ConfigError(`HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT, got ${headersTimeout} > ${requestTimeout}`)
  }
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: integer(env, 'KEEP_ALIVE_TIMEOUT', 72, 1, 3600),
    // Above the 30 s long poll and the 15 s stream heartbeat, which keep a socket busy.
    connectionTimeout: integer(env, 'CONNECTION_TIMEOUT', 60, 31, 86_400),
  }
}

function attachments(env: Env) {
  const onPostgres = databaseUrl(env).startsWith('postgres')
  const blobStore = oneOf(env, 'BLOB_STORE', ['filesystem', 'postgres'] as const, onPostgres ? 'postgres' : 'filesystem')
  if (blobStore === 'postgres' && !onPostgres) throw new ConfigError('BLOB_STORE=postgres needs a postgres:// DATABASE_URL')
  const sqliteFile = databaseUrl(env).slice('sqlite:'.length)
  return {
    maxAttachmentBytes: integer(env, 'MAX_ATTACHMENT_BYTES', 10 * 1_048_576, 1024, 1024 * 1_048_576),
    attachmentDailyBytes: integer(env, 'ATTACHMENT_DAILY_BYTES', 512 * 1_048_576, 0, Number.MAX_SAFE_INTEGER),
    attachmentSweepAfter: integer(env, 'ATTACHMENT_SWEEP_AFTER', 86_400, 60, 31_536_000),
    blobStore,
    // Beside the SQLite file by default, so one folder holds all of a node's data.
    blobDir:
      env.BLOB_DIR?.trim() ||
      (onPostgres || sqliteFile === ':memory:' ? './data/blobs' : join(dirname(sqliteFile), 'blobs')),
  }
}

/** Operators are named by address; a typo would silently leave the service without one. */
function adminAddresses(env: Env, network: Network): string[] {
  const raw = (env.ADMIN_ADDRESSES ?? '').trim()
  if (raw === '') return []
  const addresses = raw.split(',').map((address) => address.trim()).filter(Boolean)
  for (const address of addresses) {
    if (!isValidAddress(address, network)) {
      throw new ConfigError(`ADMIN_ADDRESSES must be a comma-separated list of VFX ${network} addresses, got "${address}"`)
    }
  }
  return addresses
}

/** E-mail needs a base for its links; without SMTP_URL nothing is sent and the rest is optional. */
function email(env: Env) {
  const smtpUrl = env.SMTP_URL?.trim() || null
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) throw new ConfigError('SMTP_URL must be smtp://… or smtps://…, got a value of another form')
  const publicUrl = env.PUBLIC_URL?.trim().replace(/\/+$/, '') || null
  if (publicUrl !== null && !/^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must be an http(s) URL without query, like https://chat.example.com, got "${publicUrl}"`)
  }
  if (smtpUrl !== null && publicUrl === null) throw new ConfigError('SMTP_URL needs PUBLIC_URL: the links in verification mails and digests start with it')
  const mailFrom = env.MAIL_FROM?.trim() || `VFX Chat <no-reply@${publicUrl ? new URL(publicUrl).hostname : 'localhost'}>`
  if (!/^([^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(mailFrom)) {
    throw new ConfigError(`MAIL_FROM must be an address, or a name and <address>, got "${mailFrom}"`)
  }
  return { smtpUrl, mailFrom, publicUrl }
}

/** Both VAPID keys or neither; the public key must be the private key's, or every push would be refused. */
function vapid(env: Env): Config['vapid'] {
  const publicKey = env.VAPID_PUBLIC_KEY?.trim() ?? ''
  const privateKey = env.VAPID_PRIVATE_KEY?.trim() ?? ''
  if (publicKey === '' && privateKey === '') return null
  if (publicKey === '' || privateKey === '') throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be given together')
  let derived: string
  try {
    if (!/^[A-Za-z0-9_-]{43}$/.test(privateKey)) throw new Error('not 32 bytes')
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'))
    derived = ecdh.getPublicKey('base64url')
  } catch {
    throw new ConfigError('VAPID_PRIVATE_KEY must be a P-256 private key, 32 bytes in base64url (npx web-push generate-vapid-keys)')
  }
  if (derived !== publicKey) throw new ConfigError("VAPID_PUBLIC_KEY must be VAPID_PRIVATE_KEY's public key, uncompressed, in base64url")
  return Object.freeze({ publicKey, privateKey })
}

function vapidSubject(env: Env): string {
  const raw = env.VAPID_SUBJECT?.trim() || 'mailto:push@vfx-chat.invalid'
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(raw) && !/^https:\/\/[^/\s]+/.test(raw)) {
    throw new ConfigError(`VAPID_SUBJECT must be a mailto: address or an https: URL, got "${raw}"`)
  }
  return raw
}

function webhooks(env: Env): WebhookConfig {
  return Object.freeze({
    allowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE'),
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    retryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 30_000, 10, 3_600_000),
    retryForMs: integer(env, 'WEBHOOK_RETRY_FOR', 86_400, 1, 604_800) * 1000,
    disableAfter: integer(env, 'WEBHOOK_DISABLE_AFTER', 50, 1, 100_000),
  })
}

/** Reads the configuration; throws ConfigError naming the variable when a value is unusable. */
export function loadConfig(env: Env = process.env): Config {
  const redisUrl = env.REDIS_URL?.trim() || null
  if (redisUrl !== null && !/^rediss?:\/\/.+/.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must be redis://… or rediss://…, got "${redisUrl}"`)
  }
  return Object.freeze({
    port: integer(env, 'PORT', 8000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    databaseUrl: databaseUrl(env),
    redisUrl,
    redisChannel: env.REDIS_CHANNEL?.trim() || 'vfx-chat:events',
    network: oneOf(env, 'VFX_NETWORK', ['mainnet', 'testnet'] as const, 'mainnet'),
    tokenTtl: integer(env, 'TOKEN_TTL', 86_400, 60, 31_536_000),
    maxMessageLength: integer(env, 'MAX_MESSAGE_LENGTH', 4000, 1, 16_000),
    trustProxy: boolean(env, 'TRUST_PROXY'),
    corsOrigins: Object.freeze(corsOrigins(env)),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    rateLimitSend: integer(env, 'RATE_LIMIT_SEND', 10, 0, 1_000_000),
    rateLimitSendBurst: integer(env, 'RATE_LIMIT_SEND_BURST', 30, 1, 1_000_000),
    rateLimitSignin: integer(env, 'RATE_LIMIT_SIGNIN', 30, 0, 1_000_000),
    ...timeouts(env),
    maxStreamsPerAddress: integer(env, 'MAX_STREAMS_PER_ADDRESS', 10, 1, 10_000),
    maxStreamsPerIp: integer(env, 'MAX_STREAMS_PER_IP', 100, 1, 1_000_000),
    streamBufferBytes: integer(env, 'STREAM_BUFFER_BYTES', 262_144, 4096, 67_108_864),
    // At most 30: a heartbeat must come before CONNECTION_TIMEOUT (31 s at least) closes a quiet socket.
    streamHeartbeat: integer(env, 'STREAM_HEARTBEAT', 15, 1, 30),
    messageEditWindow: integer(env, 'MESSAGE_EDIT_WINDOW', 900, 0, 31_536_000),
    ...attachments(env),
    adminAddresses: Object.freeze(adminAddresses(env, oneOf(env, 'VFX_NETWORK', ['mainnet', 'testnet'] as const, 'mainnet'))),
    messageRetentionDays: integer(env, 'MESSAGE_RETENTION_DAYS', 0, 0, 36_500),
    messageRequests: boolean(env, 'MESSAGE_REQUESTS'),
    requestMessageLimit: integer(env, 'REQUEST_MESSAGE_LIMIT', 3, 1, 1000),
    unansweredThreadsPerHour: integer(env, 'UNANSWERED_THREADS_PER_HOUR', 30, 0, 1_000_000),
    unansweredThreadsPerDay: integer(env, 'UNANSWERED_THREADS_PER_DAY', 100, 0, 1_000_000),
    ...email(env),
    vapid: vapid(env),
    vapidSubject: vapidSubject(env),
    pushAllowPrivate: boolean(env, 'PUSH_ALLOW_PRIVATE'),
    webhooks: webhooks(env),
  })
}
