import type { Clock } from '../../core/clock.js'
import { Conflict } from '../../core/errors.js'
import { StreamEvent } from '../../core/realtime/stream-event.js'
import type { EndReason, StreamHub, Subscriber } from '../../core/realtime/stream-hub.js'
import { secretHash } from '../../core/secret-hash.js'
import type { ChatService } from '../chat/index.js'

/** The signed-in caller a stream belongs to. */
export interface StreamSession {
  address: string
  token: string
  /** RFC 3339; the stream ends then. */
  expiresAt: string
}

/** What every stream of a process shares. */
export interface StreamContext {
  hub: StreamHub
  chat: ChatService
  /** Bytes a connection may hold unsent before it is cut off (STREAM_BUFFER_BYTES). */
  bufferBytes: number
  /** Milliseconds between heartbeats (STREAM_HEARTBEAT). */
  heartbeatMs: number
  clock: Clock
  log: { error(details: object, message: string): void }
}

/** Messages read from the database per replay query. */
const REPLAY_PAGE = 100
/** setTimeout's longest delay; a token may live longer. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * One live connection of a caller, whatever its transport (SSE, WebSocket). It sends each
 * message id at most once and in increasing order; a resume replays from the database while
 * it holds live events back, so nothing is lost or doubled between the two. A consumer
 * that falls more than `bufferBytes` behind is cut off instead of slowing anyone down; it
 * resumes by id.
 */
export abstract class StreamConnection implements Subscriber {
  readonly address: string
  readonly tokenHash: string
  protected readonly context: StreamContext
  readonly #expiresAt: number
  #lastMessageId = 0
  #held: StreamEvent[] | null = null
  #heldBytes = 0
  #replaying = false
  #ended = false
  #remove: () => void = () => {}
  #heartbeat: NodeJS.Timeout | undefined
  #expiry: NodeJS.Timeout | undefined
  #signalEnd: () => void = () => {}
  readonly #endedSignal = new Promise<void>((resolve) => (this.#signalEnd = resolve))

  protected constructor(context: StreamContext, session: StreamSession) {
    this.context = context
    this.address = session.address
    this.tokenHash = secretHash(session.token)
    this.#expiresAt = Date.parse(session.expiresAt)
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Starts receiving events; with `afterId`, what was missed since comes first. */
  protected open(afterId?: number): void {
    // Joining the hub before the replay's first query is what makes the hand-over gapless.
    this.#remove = this.context.hub.add(this)
    if (this.#ended) return
    this.#heartbeat = setInterval(() => this.#beat(), this.context.heartbeatMs)
    this.#expireAt(this.#expiresAt)
    if (afterId !== undefined) void this.resume(afterId)
  }

  deliver(event: StreamEvent): void {
    if (this.#ended) return
    if (this.#held) {
      this.#held.push(event)
      this.#heldBytes += event.json.length
      if (this.#heldBytes > this.context.bufferBytes) this.end('overflow')
      return
    }
    this.#forward(event)
  }

  /**
   * Sends every message after `afterId` from the database, then the live events held back
   * meanwhile, minus the messages the replay already sent. Ids already sent on this
   * connection are not sent again.
   */
  async resume(afterId: number): Promise<void> {
    if (this.#replaying) throw new Conflict('A resume is already in progress.')
    this.#replaying = true
    this.hold()
    try {
      let cursor = Math.max(afterId, this.#lastMessageId)
      this.#lastMessageId = cursor
      for (;;) {
        const page = await this.context.chat.messagesAfter(this.address, cursor, REPLAY_PAGE)
        if (this.#ended) return
        for (const message of page) this.#forward(StreamEvent.message(message))
        if (page.length < REPLAY_PAGE) break
        cursor = page[page.length - 1]!.id
        await Promise.race([this.flushed(), this.#endedSignal])
        if (this.#ended) return
      }
      this.#replaying = false
      this.release()
    } catch (error) {
      this.context.log.error({ err: error }, 'stream replay failed')
      this.end('failed')
    } finally {
      this.#replaying = false
    }
  }

  /** Holds live events back (until `release`): the client may be about to resume. */
  protected hold(): void {
    this.#held ??= []
  }

  /** Sends the held events and goes live; a running replay releases them itself. */
  protected release(): void {
    if (this.#replaying || !this.#held) return
    const held = this.#held
    this.#held = null
    this.#heldBytes = 0
    for (const event of held) this.#forward(event)
  }

  /** Ends the stream once; the transport says goodbye as `reason` requires. */
  end(reason: EndReason): void {
    if (this.#ended) return
    this.#ended = true
    this.#held = null
    this.#remove()
    clearInterval(this.#heartbeat)
    clearTimeout(this.#expiry)
    this.#signalEnd()
    this.finish(reason)
  }

  /** Writes one event to the transport. */
  protected abstract write(event: StreamEvent): void
  /** Bytes written but not yet taken by the peer's connection. */
  protected abstract buffered(): number
  /** Resolves once the transport took what was written so far. */
  protected abstract flushed(): Promise<void>
  protected abstract heartbeat(): void
  protected abstract finish(reason: EndReason): void

  /** Checks the buffer bound after anything the server writes on its own. */
  protected checkBuffer(): void {
    if (!this.#replaying && this.buffered() > this.context.bufferBytes) this.end('overflow')
  }

  #forward(event: StreamEvent): void {
    const id = event.messageId
    if (id !== undefined) {
      if (id <= this.#lastMessageId) return
      this.#lastMessageId = id
    }
    this.write(event)
    this.checkBuffer()
  }

  #beat(): void {
    // A peer that took nothing for a whole interval and still has too much queued is cut off.
    if (this.buffered() > this.context.bufferBytes) return this.end('overflow')
    this.heartbeat()
  }

  #expireAt(time: number): void {
    const delay = time - this.context.clock.now()
    this.#expiry = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.#expireAt(time) : this.end('expired')),
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    )
  }
}
