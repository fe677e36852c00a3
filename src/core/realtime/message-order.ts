/** How long a message event waits for lower ids still missing before it goes out anyway. */
export const REORDER_WINDOW_MS = 250

/**
 * Puts message events back in id order before they reach the streams. Message ids commit in
 * id order, but their events can be published out of it (concurrent transactions on
 * PostgreSQL, several nodes over Redis); a stream that skips ids it has passed would then lose
 * the late one. An event waits at most `windowMs` for the lower ids: after that the missing
 * ids are taken for gaps (a rolled-back insert uses an id up too) and the rest goes out.
 *
 * ```ts
 * const order = new MessageOrder((event) => route(event))
 * order.push(7, seven) // out at once, or once 5 and 6 came
 * ```
 */
export class MessageOrder<T> {
  readonly #emit: (item: T) => void
  readonly #windowMs: number
  readonly #waiting = new Map<number, T>()
  #next: number | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(emit: (item: T) => void, windowMs = REORDER_WINDOW_MS) {
    this.#emit = emit
    this.#windowMs = windowMs
  }

  push(id: number, item: T): void {
    // The first id seen, or one given up on already: nothing to wait for.
    if (this.#next === undefined || id < this.#next) {
      this.#next = Math.max(this.#next ?? 0, id + 1)
      return this.#emit(item)
    }
    this.#waiting.set(id, item)
    this.#drain()
    if (this.#waiting.size > 0) this.#timer ??= setTimeout(() => this.#giveUp(), this.#windowMs)
  }

  /** Drops what waits (the process is shutting down). */
  clear(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#waiting.clear()
  }

  #drain(): void {
    for (let item = this.#waiting.get(this.#next!); item !== undefined; item = this.#waiting.get(this.#next!)) {
      this.#waiting.delete(this.#next!)
      this.#next!++
      this.#emit(item)
    }
    if (this.#waiting.size === 0) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  /** The window passed: the lowest waiting id is next, whatever is missing below it. */
  #giveUp(): void {
    this.#timer = undefined
    let lowest = Infinity
    for (const id of this.#waiting.keys()) lowest = Math.min(lowest, id)
    this.#next = lowest
    this.#drain()
    if (this.#waiting.size > 0) this.#timer = setTimeout(() => this.#giveUp(), this.#windowMs)
  }
}
