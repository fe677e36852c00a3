import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { StreamConnection, type StreamContext, type StreamSession } from './stream-connection.js'
import type { StreamEvent } from '../../core/realtime/stream-event.js'
import type { EndReason } from '../../core/realtime/stream-hub.js'

/** How long EventSource waits before reconnecting, unless told otherwise. */
export const RETRY_MS = 2000

/**
 * A Server-Sent Events stream (docs/api.md §9) on a response the route has hijacked.
 *
 * ```ts
 * reply.hijack()
 * SseStream.open(reply.raw, reply.getHeaders(), context, session, lastEventId)
 * ```
 */
export class SseStream extends StreamConnection {
  readonly #response: ServerResponse

  private constructor(response: ServerResponse, context: StreamContext, session: StreamSession) {
    super(context, session)
    this.#response = response
  }

  /** Sends the head and starts the stream; `headers` are those the app's hooks set (CORS…). */
  static open(
    response: ServerResponse,
    headers: OutgoingHttpHeaders,
    context: StreamContext,
    session: StreamSession,
    afterId?: number,
  ): SseStream {
    const stream = new SseStream(response, context, session)
    response.on('close', () => stream.end('closed'))
    response.on('error', () => stream.end('closed'))
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // nginx would otherwise buffer the stream and deliver events late.
      'x-accel-buffering': 'no',
    })
    response.write(`retry: ${RETRY_MS}\n\n`)
    stream.open(afterId)
    return stream
  }

  protected write(event: StreamEvent): void {
    this.#response.write(event.sse)
  }

  protected buffered(): number {
    return this.#response.writableLength
  }

  protected flushed(): Promise<void> {
    if (!this.#response.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => this.#response.once('drain', resolve))
  }

  protected heartbeat(): void {
    this.#response.write(': ping\n\n')
  }

  protected finish(reason: EndReason): void {
    if (reason === 'closed' || reason === 'overflow') {
      this.#response.destroy()
    } else if (reason === 'shutdown') {
      // Spread the reconnections of every client over a few seconds after a restart.
      const retry = RETRY_MS + Math.floor(Math.random() * 3000)
      this.#response.end(`: server shutting down\nretry: ${retry}\n\n`)
    } else {
      this.#response.end()
    }
  }
}
