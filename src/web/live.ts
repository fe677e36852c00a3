import type { Message } from '../sdk/client.js'
import { subscribe, type ReadEvent, type Subscription, type ThreadEvent, type TypingEvent } from '../sdk/stream.js'

/** The stream's events (docs/api.md §9), as one union for the page's listeners. */
export type LiveEvent =
  | { type: 'message'; data: Message }
  | { type: 'message_updated'; data: Message }
  | { type: 'read'; data: ReadEvent }
  | { type: 'thread'; data: ThreadEvent }
  | { type: 'typing'; data: TypingEvent }

export type LiveStatus = 'connecting' | 'online' | 'offline'

/** A person waits at most this long for the chat to come back after the server does. */
const MAX_RETRY_MS = 5000
/** One typing notice per thread this often, while keys are pressed. */
const TYPING_EVERY_MS = 3000
/** The socket closes after this long without typing; it is reopened on the next key. */
const SOCKET_IDLE_MS = 30_000

/**
 * The page's live connection: the SSE subscription of the SDK (it reconnects and resumes
 * after the last message id, so no message is lost), its status for the offline banner, and
 * typing notices out over the WebSocket. Listeners refetch on `online`, because a resume
 * replays messages only, not read markers or thread changes.
 */
export class Live {
  status: LiveStatus = 'connecting'
  readonly #origin: string
  readonly #token: string
  readonly #listeners = new Set<(event: LiveEvent) => void>()
  readonly #statusListeners = new Set<(status: LiveStatus) => void>()
  readonly #typingSent = new Map<string, number>()
  readonly #subscription: Subscription
  #socket: WebSocket | null = null
  #idle: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(origin: string, token: string, onUnauthorized: () => void) {
    this.#origin = origin
    this.#token = token
    const emit = (event: LiveEvent) => {
      for (const listener of this.#listeners) listener(event)
    }
    this.#subscription = subscribe(origin, token, {
      message: (data) => emit({ type: 'message', data }),
      messageUpdated: (data) => emit({ type: 'message_updated', data }),
      read: (data) => emit({ type: 'read', data }),
      thread: (data) => emit({ type: 'thread', data }),
      typing: (data) => emit({ type: 'typing', data }),
      status: (status) => this.#setStatus(status === 'live' ? 'online' : 'offline'),
      unauthorized: onUnauthorized,
    }, { maxRetryMs: MAX_RETRY_MS })
  }

  on(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  /** Tells the thread's other participants that this one is typing (throttled). */
  typing(threadUuid: string): void {
    const now = Date.now()
    if (now - (this.#typingSent.get(threadUuid) ?? 0) < TYPING_EVERY_MS) return
    this.#typingSent.set(threadUuid, now)
    const frame = JSON.stringify({ type: 'typing', thread_uuid: threadUuid })
    const socket = this.#openSocket()
    if (socket.readyState === WebSocket.OPEN) socket.send(frame)
    else socket.addEventListener('open', () => socket.send(frame), { once: true })
    clearTimeout(this.#idle)
    this.#idle = setTimeout(() => socket.close(), SOCKET_IDLE_MS)
  }

  close(): void {
    this.#closed = true
    this.#subscription.close()
    clearTimeout(this.#idle)
    this.#socket?.close()
  }

  /** The WebSocket carries only typing notices out; events come in over the SSE stream. */
  #openSocket(): WebSocket {
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) return this.#socket
    const socket = new WebSocket(new URL('/api/chat/ws/', this.#origin.replace(/^http/, 'ws')))
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', token: this.#token })))
    this.#socket = socket
    return socket
  }

  #setStatus(status: LiveStatus): void {
    if (this.#closed || status === this.status) return
    this.status = status
    for (const listener of this.#statusListeners) listener(status)
  }
}
