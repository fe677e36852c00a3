import { randomUUID } from 'node:crypto'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { retryDelay } from '../bus/redis-bus.js'
import { RateLimited } from '../errors.js'
import { LocalStreamSlots, once, RETRY_AFTER_SECONDS, type StreamLimits, type StreamSlots } from './stream-slots.js'
import { TokenBuckets, type RateLimiter } from './token-buckets.js'

/** A bucket of `ARGV[2]` refilled at `ARGV[1]` per second; returns the seconds to wait (0: taken). */
const TAKE_TOKEN = `
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)`

/** A fixed window of `ARGV[1]` ms: returns the calls counted in it and the ms it has left. */
const COUNT_IN_WINDOW = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {current, redis.call('PTTL', KEYS[1])}`

/**
 * Stream slots: each KEYS hash counts open streams per node (field = node id). Nodes whose
 * liveness key (ARGV[2] .. node) expired died holding streams; their fields are dropped.
 * Takes a slot in every key, or in none when one is at its limit (ARGV[3 + i]); returns 1 or 0.
 */
const ACQUIRE_SLOTS = `
for i, key in ipairs(KEYS) do
  local total, fields = 0, redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    if fields[j] == ARGV[1] or redis.call('EXISTS', ARGV[2] .. fields[j]) == 1 then
      total = total + tonumber(fields[j + 1])
    else
      redis.call('HDEL', key, fields[j])
    end
  end
  if total >= tonumber(ARGV[i + 2]) then return 0 end
end
for _, key in ipairs(KEYS) do redis.call('HINCRBY', key, ARGV[1], 1) end
return 1`

/** The streams KEYS[1] counts on the nodes still alive (ARGV as for ACQUIRE_SLOTS); it changes nothing. */
const COUNT_SLOTS = `
local total, fields = 0, redis.call('HGETALL', KEYS[1])
for j = 1, #fields, 2 do
  if fields[j] == ARGV[1] or redis.call('EXISTS', ARGV[2] .. fields[j]) == 1 then total = total + tonumber(fields[j + 1]) end
end
return total`

const RELEASE_SLOTS = `
for _, key in ipairs(KEYS) do
  if redis.call('HINCRBY', key, ARGV[1], -1) <= 0 then redis.call('HDEL', key, ARGV[1]) end
end`

/** How often a node says it is alive, and how long the others believe it. */
const ALIVE_EVERY_MS = 5_000
const ALIVE_FOR_MS = 15_000
/** A limit check that Redis has not answered by then is decided locally. */
const COMMAND_TIMEOUT_MS = 500

type LimitsRedis = Redis & {
  takeToken(key: string, rate: number, burst: number, now: number): Promise<string>
  countInWindow(key: string, windowMs: number): Promise<[number, number]>
  acquireSlots(...args: Array<string | number>): Promise<number>
  releaseSlots(...args: Array<string | number>): Promise<void>
  countSlots(key: string, node: string, aliveKeyPrefix: string): Promise<number>
}

export interface LimitsLog {
  warn(message: string): void
  info(message: string): void
}

/**
 * The limits of a cluster, counted once in Redis (the send and typing token buckets, the
 * sign-in window, the stream caps) so N nodes allow what one would. A node that cannot reach
 * Redis counts in its own process meanwhile, says so once in its log, and shows it in
 * `shared` (the `vfx_chat_limits_shared` gauge); its open streams are counted in Redis again
 * once it is back.
 *
 * ```ts
 * const limits = await RedisLimits.connect('redis://127.0.0.1:6379', 'vfx-chat:events', app.log)
 * const sends = limits.tokenBuckets('send', 10, 30)
 * ```
 */
export class RedisLimits {
  readonly #redis: LimitsRedis
  readonly #prefix: string
  readonly #node = randomUUID()
  readonly #alive: NodeJS.Timeout
  readonly #slots: SharedStreamSlots[] = []
  #log: LimitsLog
  #shared = true
  #closed = false

  private constructor(redis: LimitsRedis, prefix: string, log: LimitsLog) {
    this.#redis = redis
    this.#prefix = prefix
    this.#log = log
    redis.on('error', () => {})
    redis.on('close', () => this.#fellBack())
    redis.on('ready', () => void this.#restore())
    this.#alive = setInterval(() => void this.#sayAlive().catch(() => {}), ALIVE_EVERY_MS)
    this.#alive.unref()
  }

  /** Connects to Redis; keys start with `prefix` (the deployment's REDIS_CHANNEL). */
  static async connect(url: string, prefix: string, log: LimitsLog): Promise<RedisLimits> {
    // No offline queue: while Redis is away a limit is decided locally at once, not queued.
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: retryDelay,
    }) as LimitsRedis
    redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN })
    redis.defineCommand('countInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW })
    redis.defineCommand('acquireSlots', { lua: ACQUIRE_SLOTS })
    redis.defineCommand('releaseSlots', { lua: RELEASE_SLOTS })
    redis.defineCommand('countSlots', { numberOfKeys: 1, lua: COUNT_SLOTS })
    await redis.connect()
    const limits = new RedisLimits(redis, prefix, log)
    await limits.#sayAlive()
    return limits
  }

  /** True while limits are counted in Redis; false while this node counts alone. */
  get shared(): boolean {
    return this.#shared
  }

  /** Logs to the app's logger once it exists (the limits are made before it). */
  set log(log: LimitsLog) {
    this.#log = log
  }

  /** Token buckets shared by the cluster (send and typing limits), named `name` in Redis. */
  tokenBuckets(name: string, rate: number, burst: number): RateLimiter {
    const local = new TokenBuckets(rate, burst)
    const key = `${this.#prefix}:${name}:`
    return {
      take: (id, nowMs) =>
        this.#decide(
          async () => Number(await this.#redis.takeToken(key + id, rate, burst, nowMs)),
          () => local.take(id, nowMs),
        ),
      sweep: (nowMs) => local.sweep(nowMs),
    }
  }

  /** Open streams per address and per IP, counted across the cluster. */
  streamSlots(limits: StreamLimits): StreamSlots {
    const slots = new SharedStreamSlots(this, limits)
    this.#slots.push(slots)
    return slots
  }

  /** A store for @fastify/rate-limit (the sign-in limit) that counts in Redis. */
  rateLimitStore(): FastifyRateLimitStoreCtor {
    return WindowStore.of(this, `${this.#prefix}:window:`)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#alive)
    this.#redis.disconnect()
  }

  /** Runs `shared` in Redis, or `local` while Redis is away or failing. */
  async #decide<T>(shared: () => Promise<T>, local: () => T): Promise<T> {
    if (this.#redis.status !== 'ready') {
      this.#fellBack()
      return local()
    }
    try {
      return await shared()
    } catch {
      this.#fellBack()
      return local()
    }
  }

  #fellBack(): void {
    if (!this.#shared || this.#closed) return
    this.#shared = false
    this.#log.warn('limits are counted by this node alone: Redis is unreachable')
  }

  async #restore(): Promise<void> {
    try {
      await this.#sayAlive()
      for (const slots of this.#slots) await slots.recount()
      if (!this.#shared) this.#log.info('limits are counted in Redis again')
      this.#shared = true
    } catch {
      this.#fellBack()
    }
  }

  #sayAlive(): Promise<unknown> {
    return this.#redis.set(this.#aliveKey(this.#node), '1', 'PX', ALIVE_FOR_MS)
  }

  #aliveKey(node: string): string {
    return `${this.#prefix}:node:${node}`
  }

  /** Internals the shared stores use. */
  get parts() {
    return {
      redis: this.#redis,
      prefix: this.#prefix,
      node: this.#node,
      aliveKeyPrefix: this.#aliveKey(''),
      decide: <T>(shared: () => Promise<T>, local: () => T) => this.#decide(shared, local),
      fellBack: () => this.#fellBack(),
    }
  }
}

/**
 * Stream caps across the cluster: every node keeps its own counts (the fallback, and what it
 * writes back into Redis when Redis lost them) and takes each slot in Redis too.
 */
class SharedStreamSlots implements StreamSlots {
  readonly #limits: RedisLimits
  readonly #caps: StreamLimits
  readonly #local: LocalStreamSlots
  /** Keys whose release could not reach Redis: recount them once it is back. */
  readonly #stale = new Set<string>()

  constructor(limits: RedisLimits, caps: StreamLimits) {
    this.#limits = limits
    this.#caps = caps
    this.#local = new LocalStreamSlots(caps)
  }

  acquire(address: string | null, ip: string): Promise<() => void> {
    const held: Array<[string, number]> = [[this.#key('ip', ip), this.#caps.maxStreamsPerIp]]
    if (address !== null) held.unshift([this.#key('address', address), this.#caps.maxStreamsPerAddress])
    return this.#take(held, () => this.#local.acquire(address, ip))
  }

  acquireAddress(address: string): Promise<() => void> {
    return this.#take([[this.#key('address', address), this.#caps.maxStreamsPerAddress]], () => this.#local.acquireAddress(address))
  }

  openFor(address: string): Promise<number> {
    const { redis, node, aliveKeyPrefix, decide } = this.#limits.parts
    return decide(
      () => redis.countSlots(this.#key('address', address), node, aliveKeyPrefix),
      () => this.#local.openFor(address),
    )
  }

  /** Writes this node's counts back after Redis restarted (or lost a release). */
  async recount(): Promise<void> {
    const { redis, node } = this.#limits.parts
    const { byAddress, byIp } = this.#local.counts()
    const counts = new Map<string, number>([...this.#stale].map((key) => [key, 0]))
    for (const [address, count] of byAddress) counts.set(this.#key('address', address), count)
    for (const [ip, count] of byIp) counts.set(this.#key('ip', ip), count)
    const pipeline = redis.pipeline()
    for (const [key, count] of counts) {
      if (count > 0) pipeline.hset(key, node, count)
      else pipeline.hdel(key, node)
    }
    await pipeline.exec()
    this.#stale.clear()
  }

  async #take(held: Array<[string, number]>, local: () => () => void): Promise<() => void> {
    const { redis, node, aliveKeyPrefix, decide } = this.#limits.parts
    const keys = held.map(([key]) => key)
    const inRedis = await decide(
      async () => (await redis.acquireSlots(keys.length, ...keys, node, aliveKeyPrefix, ...held.map(([, cap]) => cap))) === 1,
      () => null,
    )
    if (inRedis === false) throw new RateLimited(RETRY_AFTER_SECONDS)
    let releaseLocal: () => void
    try {
      releaseLocal = local()
    } catch (error) {
      if (inRedis) this.#release(keys)
      throw error
    }
    return once(() => {
      releaseLocal()
      if (inRedis) this.#release(keys)
    })
  }

  #release(keys: string[]): void {
    const { redis, node, fellBack } = this.#limits.parts
    redis.releaseSlots(keys.length, ...keys, node).catch(() => {
      for (const key of keys) this.#stale.add(key)
      fellBack()
    })
  }

  #key(kind: 'address' | 'ip', id: string): string {
    return `${this.#limits.parts.prefix}:streams:${kind}:${id}`
  }
}

/**
 * @fastify/rate-limit's store interface over a fixed window counted in Redis, with a window
 * in this process as the fallback.
 */
class WindowStore implements FastifyRateLimitStore {
  readonly #limits: RedisLimits
  readonly #key: string
  readonly #local = new Map<string, { count: number; endsAt: number }>()

  constructor(limits: RedisLimits, key: string) {
    this.#limits = limits
    this.#key = key
  }

  /** The plugin makes its store itself (`new Store(options)`): a class bound to these limits. */
  static of(limits: RedisLimits, key: string): FastifyRateLimitStoreCtor {
    return class extends WindowStore {
      constructor() {
        super(limits, key)
      }
    }
  }

  incr(id: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    this.#limits.parts
      .decide(
        async () => {
          const [current, ttl] = await this.#limits.parts.redis.countInWindow(this.#key + id, timeWindow)
          return { current, ttl }
        },
        () => this.#countLocally(id, timeWindow),
      )
      .then((result) => callback(null, result), callback)
  }

  child(options: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    // The plugin passes the route's limit options with the route they belong to.
    const { routeInfo } = options as unknown as { routeInfo: { method: string; url: string } }
    return new WindowStore(this.#limits, `${this.#key}${routeInfo.method}${routeInfo.url}:`)
  }

  #countLocally(id: string, timeWindow: number): { current: number; ttl: number } {
    const now = Date.now()
    for (const [key, window] of this.#local) if (window.endsAt <= now) this.#local.delete(key)
    const window = this.#local.get(id) ?? { count: 0, endsAt: now + timeWindow }
    window.count++
    this.#local.set(id, window)
    return { current: window.count, ttl: window.endsAt - now }
  }
}
