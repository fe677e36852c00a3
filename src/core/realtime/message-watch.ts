import { isMessageEvent } from '../bus/event-bus.js'
import type { StreamEvent } from './stream-event.js'
import type { StreamHub, Subscriber } from './stream-hub.js'

/**
 * Lets a long poll sleep until a message from someone else reaches `address`. Start it
 * before the first query, so a message committed in between still wakes it.
 *
 * ```ts
 * const watch = new MessageWatch(hub, caller)
 * try {
 *   let found = await query()
 *   while (found.length === 0 && (await watch.next(deadline - Date.now()))) found = await query()
 * } finally {
 *   watch.stop()
 * }
 * ```
 */
export class MessageWatch implements Subscriber {
  readonly address: string
  readonly tokenHash = null
  readonly #remove: () => void
  #arrived = false
  #stopped = false
  #wake: (() => void) | undefined

  constructor(hub: StreamHub, address: string) {
    this.address = address
    this.#remove = hub.add(this)
  }

  deliver(event: StreamEvent): void {
    if (!isMessageEvent(event) || event.data.sender === this.address) return
    this.#arrived = true
    this.#wake?.()
  }

  end(): void {
    this.#stopped = true
    this.#wake?.()
  }

  /** True once a message arrived since the last call; false after `ms`, or once stopped. */
  async next(ms: number): Promise<boolean> {
    if (!this.#arrived && !this.#stopped && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        this.#wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wake = undefined
    }
    const arrived = this.#arrived && !this.#stopped
    this.#arrived = false
    return arrived
  }

  /** Stops watching; a pending `next` resolves false (the client went away, or the server closes). */
  stop(): void {
    this.#remove()
    this.end()
  }
}
