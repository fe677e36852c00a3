import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { EventBus } from './core/bus/event-bus.js'
import { InProcessBus } from './core/bus/in-process-bus.js'
import { RedisBus } from './core/bus/redis-bus.js'
import { systemClock, type Clock } from './core/clock.js'
import type { Config } from './core/config.js'
import { baselineMigrations } from './core/database/baseline-migrations.js'
import { openDatabase, type MessageOrdering } from './core/database/database.js'
import type { Engine } from './core/database/engine.js'
import type { Migrations } from './core/database/migrations.js'
import { buildApp } from './core/http/app.js'
import { StreamHub } from './core/realtime/stream-hub.js'
import { RedisLimits } from './core/limits/redis-limits.js'
import { LocalStreamSlots, type StreamSlots } from './core/limits/stream-slots.js'
import { TokenBuckets, type RateLimiter } from './core/limits/token-buckets.js'
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { AccountExport, accountRoutes, AccountService } from './features/account/index.js'
import {
  Attachment,
  attachmentMigrations,
  AttachmentRepository,
  attachmentRoutes,
  AttachmentService,
  FilesystemBlobStore,
  PostgresBlobStore,
  type AttachmentTables,
  type BlobStore,
} from './features/attachments/index.js'
import { AuthRepository, authRoutes, AuthService, type AuthTables } from './features/auth/index.js'
import {
  chatMigrations,
  ChatRecords,
  ChatRecordsRepository,
  ChatService,
  MessageChanges,
  Message,
  MessageRepository,
  messageRoutes,
  Thread,
  ThreadDetail,
  ThreadRepository,
  threadRoutes,
  TYPING_LIMIT,
  type ChatTables,
} from './features/chat/index.js'
import { ConsentRepository, consentMigrations, consentRoutes, ConsentService, ConsentSettings, type ConsentTables } from './features/consent/index.js'
import { Block, blockMigrations, BlockRepository, blockRoutes, BlockService, type BlockTables } from './features/blocks/index.js'
import {
  AuditEntry,
  moderationMigrations,
  ModerationRepository,
  moderationRoutes,
  ModerationService,
  Report,
  Suspension,
  type ModerationTables,
} from './features/moderation/index.js'
import { Shop, shopMigrations, ShopRepository, shopRoutes, ShopService, type ShopTables } from './features/shops/index.js'
import { streamRoutes } from './features/streams/index.js'
import {
  EmailAddress,
  emailMigrations,
  EmailRepository,
  emailRoutes,
  EmailService,
  SmtpSender,
  type EmailTables,
  notificationMigrations,
  NotificationPreferences,
  NotificationRecords,
  NotificationRepository,
  notificationRoutes,
  NotificationService,
  ThreadMute,
  type NotificationTables,
  PushKey,
  pushMigrations,
  PushRepository,
  pushRoutes,
  PushService,
  PushSubscription,
  type PushTables,
  WebhookDelivery,
  WebhookEndpoint,
  webhookMigrations,
  WebhookRepository,
  webhookRoutes,
  WebhookService,
  type WebhookTables,
} from './features/notifications/index.js'
import { jobMigrations } from './core/jobs/job-migrations.js'
import { JobQueue, type JobTables } from './core/jobs/job-queue.js'

/** Every feature's migrations, in the order their tables depend on each other. */
export const MIGRATIONS: readonly Migrations[] = [baselineMigrations, shopMigrations, chatMigrations, attachmentMigrations, moderationMigrations, blockMigrations, consentMigrations, jobMigrations, notificationMigrations, webhookMigrations, pushMigrations, emailMigrations]

/** All the service's tables, for tools and tests that look at the database as a whole. */
export type Tables = AuthTables & ShopTables & ChatTables & AttachmentTables & BlockTables & ModerationTables & ConsentTables & JobTables & NotificationTables & WebhookTables & PushTables & EmailTables

export interface Server {
  readonly app: FastifyInstance
  readonly bus: EventBus
  readonly chat: ChatService
  readonly attachments: AttachmentService
  /** Export, erasure and message retention; tests run a retention pass through it. */
  readonly account: AccountService
  /** Preferences, mutes and the fan-out of recorded chat events; tests add consumers to it. */
  readonly notifications: NotificationService
  /** Webhook deliveries; tests wake its worker after moving the clock. */
  readonly webhooks: WebhookService
  /** Base URL it listens on, e.g. http://127.0.0.1:8000 */
  readonly url: string
  close(): Promise<void>
}

export interface ServerParts {
  /** Where every rule takes the time from; the system clock unless a test moves time itself. */
  clock?: Clock
}

const HOUSEKEEPING_MS = 60_000
/** The walk of every stored blob for ones nothing names: seldom, it reads the whole store. */
const COLLECTION_MS = 3_600_000

/**
 * The composition root: opens the database, builds each feature's repository and service,
 * registers their routes on the HTTP app, and listens. A new feature is one more block here.
 *
 * ```ts
 * const server = await startServer(loadConfig())
 * ```
 */
export async function startServer(config: Config, parts: ServerParts = {}): Promise<Server> {
  const clock = parts.clock ?? systemClock
  const { db, engine, orderMessages } = await openDatabase(config.databaseUrl, MIGRATIONS)
  const bus: EventBus = config.redisUrl ? await RedisBus.connect(config.redisUrl, config.redisChannel) : new InProcessBus()
  const limits = await openLimits(config)
  const { auth, shops, chat, changes, attachments, blocks, consent, threads, moderation, account, notifications, webhooks, push, emails } = await buildFeatures(config, {
    db,
    engine,
    orderMessages,
    bus,
    clock,
    limits,
  })
  const streams = new StreamHub(
    bus,
    { highWater: () => chat.lastMessageId(), between: (afterId, upTo, limit) => chat.messageEventsBetween(afterId, upTo, limit) },
    { onError: (error) => app.log.warn({ err: error }, 'reading missed messages from the database failed') },
  )
  const app = await buildApp(config, {
    authenticator: (token) => auth.authenticate(token),
    streams,
    readiness: async () => {
      if (!bus.connected) return 'Event bus unreachable.'
      return threads.ping().then(
        () => null,
        () => 'Database unreachable.',
      )
    },
    features: [
      { routes: authRoutes(auth) },
      { routes: shopRoutes(shops), schemas: [Shop] },
      { routes: threadRoutes(chat), schemas: [Attachment, Message, Thread, ThreadDetail] },
      { routes: messageRoutes(chat, changes) },
      { routes: streamRoutes(chat, clock) },
      { routes: attachmentRoutes(attachments) },
      { routes: moderationRoutes(moderation), schemas: [Report, Suspension, AuditEntry] },
      { routes: blockRoutes(blocks), schemas: [Block] },
      { routes: consentRoutes(consent), schemas: [ConsentSettings] },
      { routes: accountRoutes(account), schemas: [AccountExport] },
      { routes: notificationRoutes(notifications), schemas: [NotificationPreferences, ThreadMute] },
      { routes: pushRoutes(push), schemas: [PushKey, PushSubscription] },
      { routes: emailRoutes(emails), schemas: [EmailAddress] },
      { routes: webhookRoutes(webhooks), schemas: [WebhookEndpoint, WebhookDelivery] },
    ],
    streamSlots: limits.streams,
    rateLimitStore: limits.signIn,
    gauges: [
      { name: 'vfx_chat_event_bus_up', help: '1 while events from the other nodes reach this one.', value: () => Number(bus.connected) },
      { name: 'vfx_chat_limits_shared', help: '1 while limits are counted once for the cluster (Redis); 0 when counted by this node alone.', value: () => Number(limits.shared()) },
    ],
  })
  limits.logTo(app.log)
  notifications.start((error) => app.log.warn({ err: error }, 'fanning out recorded chat events failed'))
  webhooks.start((error) => app.log.warn({ err: error }, 'making webhook deliveries failed'))
  push.start(
    (error) => app.log.warn({ err: error }, 'sending web pushes failed'),
    (message) => app.log.warn(message),
  )
  emails.start((error) => app.log.warn({ err: error }, 'sending an e-mail failed'))
  // A commit announced on the bus (from any node) has its recorded event ready to fan out.
  const stopWaking = bus.subscribe((event) => {
    if (event.type === 'message' || event.type === 'thread' || event.type === 'read') notifications.wake()
  })

  const housekeeping = setInterval(() => {
    chat.sweepLimiters(clock.now())
    auth.purgeExpired().catch((error: unknown) => app.log.warn({ err: error }, 'purging expired sessions failed'))
    attachments.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'sweeping unsent uploads failed'))
    account.applyRetention().catch((error: unknown) => app.log.warn({ err: error }, 'deleting messages past MESSAGE_RETENTION_DAYS failed'))
    webhooks.prune().catch((error: unknown) => app.log.warn({ err: error }, 'pruning old webhook deliveries failed'))
  }, HOUSEKEEPING_MS)
  housekeeping.unref()
  const collection = setInterval(() => {
    attachments.collectGarbage().catch((error: unknown) => app.log.warn({ err: error }, 'collecting unused attachment bytes failed'))
  }, COLLECTION_MS)
  collection.unref()

  bus.onConnection((connected) => {
    if (connected) app.log.info('event bus connected again: streams catch up from the database')
    else app.log.warn('event bus disconnected: streams follow the database until it is back')
  })
  app.addHook('preClose', async () => {
    stopWaking()
    await notifications.stop()
    await webhooks.stop()
    await push.stop()
    await emails.stop()
  })
  app.addHook('onClose', async () => {
    clearInterval(housekeeping)
    clearInterval(collection)
    await bus.close()
    await limits.close()
    await db.destroy()
  })

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return { app, bus, chat, attachments, account, notifications, webhooks, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => app.close() }
}

/** Files beside the database on one node; PostgreSQL when several nodes must serve any file. */
async function openBlobStore(config: Config, db: Kysely<object>): Promise<BlobStore> {
  if (config.blobStore === 'postgres') return new PostgresBlobStore(db)
  const store = new FilesystemBlobStore(config.blobDir)
  // What a crash left half-written is never a blob; clear it before serving.
  await store.sweepIncoming()
  return store
}

/** What every feature runs on: the open database, the event bus, the clock, the limits. */
export interface Foundation {
  db: Kysely<object>
  engine: Engine
  orderMessages: MessageOrdering
  bus: EventBus
  clock: Clock
  limits: Limits
}

/** A node's limits: counted in its own process, or once for the cluster in Redis (REDIS_URL). */
export interface Limits {
  send: RateLimiter | null
  typing: RateLimiter
  streams: StreamSlots
  /** @fastify/rate-limit's store for the sign-in limit; absent: this process's own. */
  signIn?: FastifyRateLimitStoreCtor
  /** Whether limits are counted once for the cluster right now. */
  shared(): boolean
  logTo(log: { warn(message: string): void; info(message: string): void }): void
  close(): Promise<void>
}

export async function openLimits(config: Config): Promise<Limits> {
  const sendRate = config.rateLimitSend > 0 ? ([config.rateLimitSend, config.rateLimitSendBurst] as const) : null
  if (!config.redisUrl) {
    return {
      send: sendRate && new TokenBuckets(...sendRate),
      typing: new TokenBuckets(TYPING_LIMIT.rate, TYPING_LIMIT.burst),
      streams: new LocalStreamSlots(config),
      shared: () => false,
      logTo: () => {},
      close: async () => {},
    }
  }
  const shared = await RedisLimits.connect(config.redisUrl, config.redisChannel, console)
  return {
    send: sendRate && shared.tokenBuckets('send', ...sendRate),
    typing: shared.tokenBuckets('typing', TYPING_LIMIT.rate, TYPING_LIMIT.burst),
    streams: shared.streamSlots(config),
    signIn: shared.rateLimitStore(),
    shared: () => shared.shared,
    logTo: (log) => (shared.log = log),
    close: () => shared.close(),
  }
}

/**
 * Each feature's repository and service, wired to its neighbours; startServer puts routes on
 * them, and the benchmark calls them without HTTP.
 */
export async function buildFeatures(config: Config, { db, engine, orderMessages, bus, clock, limits }: Foundation) {
  const threads = new ThreadRepository(db)
  const messages = new MessageRepository(db, orderMessages)
  const blobs = await openBlobStore(config, db)
  const auth = new AuthService(new AuthRepository(db), {
    network: config.network,
    tokenTtl: config.tokenTtl,
    clock,
    bus,
    // Moderation is built last, and asked only at sign-in.
    isSuspended: (address) => moderation.isSuspended(address),
  })
  const shops = new ShopService(new ShopRepository(db), clock)
  const blocks = new BlockService(new BlockRepository(db), { network: config.network, clock })
  const consent = new ConsentService(new ConsentRepository(db), {
    requestsByDefault: config.messageRequests,
    messageLimit: config.requestMessageLimit,
    clock,
  })
  const jobs = new JobQueue(db, engine, clock)
  const notifications = new NotificationService(
    {
      repository: new NotificationRepository(db),
      jobs,
      db,
      consent,
      // The chat is built below, and asked only at request time.
      threadOf: (caller, uuid) => chat.threadOf(caller, uuid),
    },
    { clock },
  )
  const webhooks = new WebhookService(
    { repository: new WebhookRepository(db), jobs, db, notifications, shops },
    { ...config.webhooks, clock },
  )
  notifications.addChannel(webhooks)
  const push = await PushService.open(
    { repository: new PushRepository(db), jobs, notifications, streams: limits.streams },
    {
      clock,
      vapid: config.vapid,
      vapidSubject: config.vapidSubject,
      allowPrivate: config.pushAllowPrivate,
    },
  )
  notifications.addChannel(push)
  const attachmentRepository = new AttachmentRepository(db)
  const attachments = new AttachmentService(
    {
      repository: attachmentRepository,
      blobs,
      // The chat says which threads a caller sees; it is built next, and asked only at request time.
      threadOf: (caller, uuid) => chat.uploadTarget(caller, uuid),
      signingSecret: await attachmentRepository.signingKey('download-urls', () => randomBytes(32).toString('base64url')),
    },
    {
      maxBytes: config.maxAttachmentBytes,
      dailyBytes: config.attachmentDailyBytes,
      sweepAfter: config.attachmentSweepAfter,
      clock,
    },
  )
  const chat: ChatService = new ChatService(
    { threads, messages, shops, attachments, blocks, consent, bus, record: (trx, event) => notifications.record(trx, event) },
    {
      network: config.network,
      maxMessageLength: config.maxMessageLength,
      sendLimiter: limits.send,
      typingLimiter: limits.typing,
      unansweredThreadsPerHour: config.unansweredThreadsPerHour,
      unansweredThreadsPerDay: config.unansweredThreadsPerDay,
      clock,
    },
  )
  const changes = new MessageChanges(
    {
      messages,
      threads,
      attachments,
      bus,
      threadOf: (caller, uuid) => chat.threadOf(caller, uuid),
      hiddenReaders: (viewer, threadId) => chat.hiddenReaders(viewer, threadId),
    },
    { editWindow: config.messageEditWindow, maxMessageLength: config.maxMessageLength, clock },
  )
  const moderation: ModerationService = new ModerationService(
    { repository: new ModerationRepository(db), chat, changes, auth },
    { network: config.network, operators: config.adminAddresses, clock },
  )
  const chatRecords = new ChatRecords({ threads, messages, records: new ChatRecordsRepository(db), attachments, blocks, consent, bus })
  const emails = new EmailService(
    {
      repository: new EmailRepository(db),
      jobs,
      notifications,
      unreadSince: (address, afterId) => chatRecords.unreadSince(address, afterId),
      lastMessageId: () => chat.lastMessageId(),
      sender: config.smtpUrl ? new SmtpSender(config.smtpUrl, config.mailFrom) : null,
    },
    { publicUrl: config.publicUrl, clock },
  )
  notifications.addChannel(emails)
  const account = new AccountService(
    { chat: chatRecords,
      shops,
      blocks,
      consent,
      attachments,
      auth,
      notifications: new NotificationRecords({ notifications, webhooks, push, emails }),
    },
    { network: config.network, retentionDays: config.messageRetentionDays, clock },
  )
  return { auth, shops, chat, changes, attachments, blocks, consent, threads, moderation, account, notifications, jobs, webhooks, push, emails }
}
