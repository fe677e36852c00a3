import { isMessageEvent, isRevokedEvent, type BusEvent, type EventBus } from '../bus/event-bus.js'
import { MessageOrder, type MessageLog } from './message-order.js'
import { StreamEvent } from './stream-event.js'

/** Why a stream ends: the server's reasons; `closed` is the peer going away. */
export type EndReason = 'closed' | 'revoked' | 'expired' | 'overflow' | 'shutdown' | 'failed'

/** Anything that wants one address's events: a stream connection, or a waiting long poll. */
export interface Subscriber {
  readonly address: string
  /** The session the subscriber was opened with; null when signing out should not end it. */
  readonly tokenHash: string | null
  deliver(event: StreamEvent): void
  end(reason: EndReason): void
}

/** How often a node with subscribers asks the database for messages whose event never came. */
export const CATCH_UP_INTERVAL_MS = 1000

/**
 * The one bus listener of a process: routes each event to the subscribers of its recipients
 * (O(recipients), whatever the number of connections), message events in id order, and ends
 * the streams of a signed-out token on every node. Message events the bus lost (a node killed
 * between commit and publish, a bus outage) come from `messages`, the database: after a gap,
 * every CATCH_UP_INTERVAL_MS while anyone listens, and as soon as the bus is back.
 *
 * ```ts
 * const hub = new StreamHub(bus, messages)
 * const remove = hub.add(connection)
 * ```
 */
export class StreamHub {
  readonly #byAddress = new Map<string, Set<Subscriber>>()
  readonly #unsubscribe: () => void
  readonly #order: MessageOrder<BusEvent>
  readonly #catchUp: NodeJS.Timeout
  #closed = false

  constructor(bus: EventBus, messages: MessageLog<BusEvent>, options: { onError?: (error: unknown) => void } = {}) {
    this.#order = new MessageOrder((event) => this.#fanOut(event), messages, { ...options, listened: () => this.#byAddress.size > 0 })
    const unsubscribe = bus.subscribe((event) => this.#route(event))
    const unwatch = bus.onConnection((connected) => {
      if (connected) void this.#order.catchUp()
    })
    this.#unsubscribe = () => {
      unsubscribe()
      unwatch()
    }
    this.#catchUp = setInterval(() => {
      if (this.#byAddress.size > 0) void this.#order.catchUp()
    }, CATCH_UP_INTERVAL_MS)
    this.#catchUp.unref()
    void this.#order.catchUp()
  }

  /** Reads the database for messages whose event has not come (tests, and the bus coming back). */
  catchUp(): Promise<void> {
    return this.#order.catchUp()
  }

  /** Subscribers currently connected, for metrics and tests. */
  get size(): number {
    let size = 0
    for (const subscribers of this.#byAddress.values()) size += subscribers.size
    return size
  }

  /** Routes the subscriber's events to it until the returned function is called. */
  add(subscriber: Subscriber): () => void {
    if (this.#closed) {
      subscriber.end('shutdown')
      return () => {}
    }
    let subscribers = this.#byAddress.get(subscriber.address)
    if (!subscribers) this.#byAddress.set(subscriber.address, (subscribers = new Set()))
    subscribers.add(subscriber)
    return () => {
      subscribers.delete(subscriber)
      if (subscribers.size === 0 && this.#byAddress.get(subscriber.address) === subscribers) this.#byAddress.delete(subscriber.address)
    }
  }

  /** Ends every stream and stops listening: the server is shutting down. */
  close(): void {
    this.#closed = true
    clearInterval(this.#catchUp)
    this.#unsubscribe()
    this.#order.clear()
    for (const subscribers of [...this.#byAddress.values()]) {
      for (const subscriber of [...subscribers]) subscriber.end('shutdown')
    }
    this.#byAddress.clear()
  }

  #route(event: BusEvent): void {
    if (isRevokedEvent(event)) {
      for (const subscriber of this.#subscribersOf(event.recipients)) {
        if (subscriber.tokenHash === event.data.token_hash) subscriber.end('revoked')
      }
      return
    }
    if (isMessageEvent(event)) return this.#order.push(event.data.id, event)
    this.#fanOut(event)
  }

  #fanOut(event: BusEvent): void {
    const outgoing = StreamEvent.of(event)
    for (const subscriber of this.#subscribersOf(event.recipients)) {
      // One broken connection must cost neither the others their event nor the sender its answer.
      try {
        subscriber.deliver(outgoing)
      } catch {
        subscriber.end('failed')
      }
    }
  }

  /** A snapshot, so subscribers may end (and leave their set) while an event is routed. */
  #subscribersOf(recipients: readonly string[]): Subscriber[] {
    const found: Subscriber[] = []
    for (const address of recipients) {
      const subscribers = this.#byAddress.get(address)
      for (const subscriber of subscribers ?? []) found.push(subscriber)
    }
    return found
  }
}
