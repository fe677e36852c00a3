import type { Message, ReadEvent, ThreadEvent, TypingEvent } from '../features/chat/index.js'

export type { ReadEvent, ThreadEvent, TypingEvent }
import { EventStreamParser } from './event-stream.js'

export type StreamStatus = 'live' | 'reconnecting' | 'closed'

export interface StreamHandlers {
  message?(message: Message): void
  /** A delivered message edited or deleted: the message as it now stands. */
  messageUpdated?(message: Message): void
  read?(event: ReadEvent): void
  thread?(event: ThreadEvent): void
  typing?(event: TypingEvent): void
  status?(status: StreamStatus): void
  /** The server refused the token (signed out or expired); the subscription has stopped. */
  unauthorized?(): void
}

export interface StreamOptions {
  /** Start after this message id: everything later is replayed first. */
  afterId?: number
  /** Longest wait between reconnection attempts, in ms (default 30 000). */
  maxRetryMs?: number
}

export interface Subscription {
  /** The id of the last message received: where a new subscription would resume. */
  readonly lastId: number | undefined
  close(): void
}

const FIRST_RETRY_MS = 1000

/**
 * Follows the caller's events over `GET /api/chat/stream/` (SSE) in browsers and Node:
 * reconnects on its own, with growing pauses while the server is unreachable, and resumes
 * by the last message id, so no message is missed or repeated. It reads the stream with
 * fetch rather than EventSource so the token travels in the Authorization header, never in
 * a URL.
 *
 * ```ts
 * const subscription = subscribe('https://chat.example', token, {
 *   message: (message) => show(message),
 *   unauthorized: () => signInAgain(),
 * }, { afterId: lastSeenId })
 * // later
 * subscription.close()
 * ```
 */
export function subscribe(baseUrl: string, token: string, handlers: StreamHandlers, options: StreamOptions = {}): Subscription {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/chat/stream/`
  const maxRetryMs = options.maxRetryMs ?? 30_000
  const abort = new AbortController()
  let lastId = options.afterId
  let retryMs = FIRST_RETRY_MS
  let failures = 0

  const dispatch = (type: string, data: string) => {
    const payload: unknown = JSON.parse(data)
    if (type === 'message') {
      lastId = (payload as Message).id
      handlers.message?.(payload as Message)
    } else if (type === 'message_updated') handlers.messageUpdated?.(payload as Message)
    else if (type === 'read') handlers.read?.(payload as ReadEvent)
    else if (type === 'thread') handlers.thread?.(payload as ThreadEvent)
    else if (type === 'typing') handlers.typing?.(payload as TypingEvent)
  }

  /** One connection: true when it ended in a way worth reconnecting after. */
  const follow = async (): Promise<boolean> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' }
    if (lastId !== undefined) headers['last-event-id'] = String(lastId)
    const response = await fetch(url, { headers, signal: abort.signal, cache: 'no-store' })
    if (response.status === 401) {
      handlers.unauthorized?.()
      return false
    }
    if (!response.ok || !response.body) return true
    failures = 0
    handlers.status?.('live')
    const parser = new EventStreamParser()
    const decoder = new TextDecoder()
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const event of parser.push(decoder.decode(value, { stream: true }))) dispatch(event.type, event.data)
      retryMs = parser.retry ?? retryMs
    }
    return true
  }

  void (async () => {
    while (!abort.signal.aborted) {
      const again = await follow().catch(() => !abort.signal.aborted)
      if (!again || abort.signal.aborted) break
      handlers.status?.('reconnecting')
      // The server's retry hint first, then doubling pauses while it stays unreachable.
      const pause = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failures++, 5))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause)
        abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
    }
    handlers.status?.('closed')
  })()

  return {
    get lastId() {
      return lastId
    },
    close: () => abort.abort(),
  }
}
