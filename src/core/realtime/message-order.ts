/** How long a message event waits for lower ids still missing before the database is asked. */
export const REORDER_WINDOW_MS = 250

/** Messages read from the database per catch-up query. */
const CATCH_UP_PAGE = 200

/**
 * Where committed messages can be read back when their live events went missing: a node
 * died between its commit and its publish, or the bus dropped them.
 */
export interface MessageLog<T> {
  /**
   * A commit-safe high-water mark: every id at or below it is committed or never will be
   * (rolled back, deleted), so an id at or below it that the log lacks can be skipped for good.
   */
  highWater(): Promise<number>
  /** The items of the messages with ids in (`afterId`, `upTo`], in id order, at most `limit`. */
  between(afterId: number, upTo: number, limit: number): Promise<Array<{ id: number; item: T }>>
}

/**
 * Puts message events back in id order before they reach the streams, and fills the gaps the
 * bus leaves from the database. Events can be published out of id order (concurrent
 * transactions, several nodes) or not at all (a node killed after its commit, a bus outage).
 * An event waits `windowMs` for the lower ids; then the log says which of them exist: those
 * are delivered in order, the rest are decided (below the high-water mark) and skipped. An
 * id is never given up on a timer alone. `catchUp()` does the same on demand (a bus that came
 * back, a periodic check for a publish that never came).
 *
 * ```ts
 * const order = new MessageOrder((event) => route(event), log)
 * await order.catchUp() // learns where the settled ids end
 * order.push(7, seven)  // out at once, or once 5 and 6 came (from the bus or the database)
 * ```
 */
export class MessageOrder<T> {
  readonly #emit: (item: T) => void
  readonly #log: MessageLog<T>
  readonly #windowMs: number
  readonly #onError: (error: unknown) => void
  readonly #listened: () => boolean
  readonly #waiting = new Map<number, T>()
  #next: number | undefined
  #timer: NodeJS.Timeout | undefined
  #catchingUp: Promise<void> | undefined
  #again = false
  #closed = false

  /**
   * `listened` says whether anyone takes the items now: while no one does, a catch-up moves
   * past the settled ids without reading them (whoever comes later replays from the database).
   */
  constructor(
    emit: (item: T) => void,
    log: MessageLog<T>,
    options: { windowMs?: number; onError?: (error: unknown) => void; listened?: () => boolean } = {},
  ) {
    this.#emit = emit
    this.#log = log
    this.#windowMs = options.windowMs ?? REORDER_WINDOW_MS
    this.#onError = options.onError ?? (() => {})
    this.#listened = options.listened ?? (() => true)
  }

  push(id: number, item: T): void {
    if (this.#closed) return
    // Delivered already (from the database), or decided never to exist.
    if (this.#next !== undefined && id < this.#next) return
    this.#waiting.set(id, item)
    this.#drain()
    if (this.#waiting.size > 0) this.#timer ??= setTimeout(() => void this.catchUp(), this.#windowMs)
  }

  /**
   * Reads from the log every message up to its high-water mark that has not gone out yet, and
   * sends it out in order. Resolves once done (a call during a catch-up runs once more after it).
   */
  catchUp(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#catchingUp) {
      this.#again = true
      return this.#catchingUp
    }
    this.#catchingUp = this.#readLog().finally(() => {
      this.#catchingUp = undefined
      if (this.#closed) return
      if (this.#again) {
        this.#again = false
        void this.catchUp()
      } else if (this.#waiting.size > 0) {
        this.#timer ??= setTimeout(() => void this.catchUp(), this.#windowMs)
      }
    })
    return this.#catchingUp
  }

  /** Drops what waits and ignores what comes (the process is shutting down). */
  clear(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#waiting.clear()
  }

  async #readLog(): Promise<void> {
    try {
      const upTo = await this.#log.highWater()
      if (this.#closed) return
      // The first catch-up starts after what exists now: a stream opened since resumes from
      // the database for what came before.
      this.#next ??= upTo + 1
      if (!this.#listened()) this.#next = Math.max(this.#next, upTo + 1)
      while (this.#next <= upTo) {
        const page = await this.#log.between(this.#next - 1, upTo, CATCH_UP_PAGE)
        if (this.#closed) return
        // Items delivered by the bus while the query ran are below #next by now and stay out.
        for (const { id, item } of page) {
          if (id < this.#next) continue
          this.#next = id + 1
          this.#waiting.delete(id)
          this.#emit(item)
        }
        if (page.length < CATCH_UP_PAGE) this.#next = Math.max(this.#next, upTo + 1)
      }
      for (const id of this.#waiting.keys()) if (id < this.#next) this.#waiting.delete(id)
      this.#drain()
    } catch (error) {
      // The database is unreachable: the events keep waiting, and the next window asks again.
      this.#onError(error)
    }
  }

  #drain(): void {
    // Until the first catch-up says where the settled ids end, nothing can go out in order.
    if (this.#next === undefined) return
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
}
