import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { BusEvent, BusListener, EventBus } from './event-bus.js'

/**
 * Carries events between the nodes of a cluster over Redis pub/sub. Local subscribers get an
 * event at once; other nodes get it through Redis. Each node tags what it publishes, so its
 * own events coming back from Redis are not delivered twice. Pub/sub delivers at most once:
 * what a node misses while its subscription is down, the stream hub reads from the database
 * when `onConnection` says it is back.
 *
 * ```ts
 * const bus = await RedisBus.connect('redis://127.0.0.1:6379')
 * ```
 */
export class RedisBus implements EventBus {
  readonly #node = randomUUID()
  readonly #channel: string
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #listeners = new Set<BusListener>()
  readonly #connectionListeners = new Set<(connected: boolean) => void>()
  #connected = true

  private constructor(publisher: Redis, subscriber: Redis, channel: string) {
    this.#publisher = publisher
    this.#subscriber = subscriber
    this.#channel = channel
    subscriber.on('message', (_channel: string, payload: string) => this.#receive(payload))
    // ioredis reconnects and subscribes again by itself; 'ready' comes once it has.
    subscriber.on('ready', () => this.#setConnected(true))
    subscriber.on('close', () => this.#setConnected(false))
    // Connection errors also come as 'close'; without a listener ioredis prints each one.
    subscriber.on('error', () => {})
    publisher.on('error', () => {})
  }

  static async connect(url: string, channel = 'vfx-chat:events'): Promise<RedisBus> {
    const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: retryDelay })
    const subscriber = publisher.duplicate()
    await Promise.all([publisher.connect(), subscriber.connect()])
    await subscriber.subscribe(channel)
    return new RedisBus(publisher, subscriber, channel)
  }

  get connected(): boolean {
    return this.#connected
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#connectionListeners.add(listener)
    return () => this.#connectionListeners.delete(listener)
  }

  async publish(event: BusEvent): Promise<void> {
    this.#deliver(event)
    // A lost publish costs other nodes only liveness: clients resume by id from the database.
    await this.#publisher.publish(this.#channel, JSON.stringify({ node: this.#node, event })).catch(() => {})
  }

  /**
   * A PING after the publishes. Redis answers a PUBLISH before it writes the message to the
   * subscribers (its pending replies go out newest first), so the answer alone can reach this
   * node while another node's copy still waits in Redis. Redis reads the next command only
   * after it has written them all.
   */
  async flush(): Promise<void> {
    await this.#publisher.ping().catch(() => {})
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#listeners.clear()
    this.#connectionListeners.clear()
    this.#subscriber.disconnect()
    await this.#publisher.quit().catch(() => {})
  }

  #setConnected(connected: boolean): void {
    if (connected === this.#connected) return
    this.#connected = connected
    for (const listener of this.#connectionListeners) listener(connected)
  }

  #receive(payload: string): void {
    let parsed: { node?: unknown; event?: BusEvent }
    try {
      parsed = JSON.parse(payload)
    } catch {
      return
    }
    if (parsed.node !== this.#node && parsed.event) this.#deliver(parsed.event)
  }

  #deliver(event: BusEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

/** Milliseconds before the next reconnection attempt: soon at first, at most every 2 s. */
export function retryDelay(attempt: number): number {
  return Math.min(attempt * 100, 2000)
}
