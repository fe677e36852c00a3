import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { TokenBuckets } from './domain/token-bucket.js'
import { buildApp } from './http/app.js'
import type { EventBus } from './realtime/events.js'
import { InProcessBus } from './realtime/in-process-bus.js'
import { RedisBus } from './realtime/redis-bus.js'
import { StreamHub } from './realtime/stream-hub.js'
import { AuthService } from './service/auth-service.js'
import { ChatService } from './service/chat-service.js'
import { ShopService } from './service/shop-service.js'
import { ChatStore } from './store/chat-store.js'
import { openDatabase } from './store/database.js'

export interface Server {
  readonly app: FastifyInstance
  readonly store: ChatStore
  readonly bus: EventBus
  /** Base URL it listens on, e.g. http://127.0.0.1:8000 */
  readonly url: string
  close(): Promise<void>
}

const HOUSEKEEPING_MS = 60_000

/**
 * Opens the database, wires store, bus and services into the HTTP app and listens.
 *
 * ```ts
 * const server = await startServer(loadConfig())
 * ```
 */
export async function startServer(config: Config): Promise<Server> {
  const { db, orderMessages } = await openDatabase(config.databaseUrl)
  const store = new ChatStore(db, orderMessages)
  const bus: EventBus = config.redisUrl ? await RedisBus.connect(config.redisUrl, config.redisChannel) : new InProcessBus()
  const sendLimiter = config.rateLimitSend > 0 ? new TokenBuckets(config.rateLimitSend, config.rateLimitSendBurst) : null
  const auth = new AuthService(store, { network: config.network, tokenTtl: config.tokenTtl })
  const chat = new ChatService(store, bus, {
    network: config.network,
    maxMessageLength: config.maxMessageLength,
    sendLimiter,
  })
  const streams = new StreamHub(bus)
  const app = await buildApp(config, { auth, chat, shops: new ShopService(store), streams, ready: () => store.ping() })

  const housekeeping = setInterval(() => {
    chat.sweepLimiters(Date.now())
    auth.purgeExpired().catch((error: unknown) => app.log.warn({ err: error }, 'purging expired sessions failed'))
  }, HOUSEKEEPING_MS)
  housekeeping.unref()

  // While draining, every answer closes its connection: an idle keep-alive client would
  // otherwise hold the shutdown up until KEEP_ALIVE_TIMEOUT.
  let draining = false
  app.addHook('preClose', async () => {
    draining = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close')
  })
  app.addHook('onClose', async () => {
    clearInterval(housekeeping)
    await bus.close()
    await db.destroy()
  })

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return { app, store, bus, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => app.close() }
}
