import type { RawData, WebSocket } from 'ws'
import { Invalid } from '../../core/errors.js'
import { errorResponse } from '../../core/http/error-response.js'
import { clientFrame, frameObject } from './client-frame.js'
import { StreamConnection, type StreamContext, type StreamSession } from './stream-connection.js'
import type { StreamEvent } from '../../core/realtime/stream-event.js'
import type { EndReason } from '../../core/realtime/stream-hub.js'

/** Close code for a socket that is not (or no longer) signed in. */
export const UNAUTHORIZED = 4401
/** Live events wait this long after sign-in for a `resume` frame, so the two never overlap. */
const RESUME_GRACE_MS = 1000
/** Client frames handled one after another; beyond this many waiting, reading pauses. */
const MAX_WAITING_FRAMES = 32

/**
 * A signed-in WebSocket (docs/api.md §9): server events as `{"type","data"}` frames, client
 * frames handled in the order they came, through the same ChatService calls and error
 * mapping as HTTP. A peer that stops answering pings is dropped within two heartbeats.
 */
export class WsStream extends StreamConnection {
  readonly #socket: WebSocket
  #alive = true
  #grace: NodeJS.Timeout | undefined
  #frames: Promise<void> = Promise.resolve()
  #waiting = 0

  private constructor(socket: WebSocket, context: StreamContext, session: StreamSession) {
    super(context, session)
    this.#socket = socket
  }

  /** Starts the stream of a signed-in socket; without `afterId`, a first `resume` frame may still come. */
  static open(socket: WebSocket, context: StreamContext, session: StreamSession, afterId?: number): WsStream {
    const stream = new WsStream(socket, context, session)
    socket.on('pong', () => (stream.#alive = true))
    socket.on('close', () => stream.end('closed'))
    stream.open(afterId)
    if (afterId === undefined && !stream.ended) {
      stream.hold()
      stream.#grace = setTimeout(() => stream.#goLive(), RESUME_GRACE_MS)
    }
    return stream
  }

  /** Queues one client frame; frames are answered in order. */
  receive(data: RawData, isBinary: boolean): void {
    if (++this.#waiting >= MAX_WAITING_FRAMES) this.#socket.pause()
    this.#frames = this.#frames
      .then(() => this.#handle(isBinary ? null : data.toString()))
      .finally(() => {
        if (--this.#waiting < MAX_WAITING_FRAMES && this.#socket.isPaused) this.#socket.resume()
      })
  }

  async #handle(text: string | null): Promise<void> {
    if (this.ended) return
    let clientId: string | undefined
    try {
      const object = frameObject(text)
      if (typeof object.client_id === 'string') clientId = object.client_id
      const frame = clientFrame(object)
      if (frame.type !== 'resume') this.#goLive()
      const { chat } = this.context
      switch (frame.type) {
        case 'auth':
          throw new Invalid('type', 'Already signed in.')
        case 'send': {
          const { message } = await chat.sendMessage(this.address, frame.thread_uuid, {
            content: frame.content,
            client_id: frame.client_id,
            attachments: frame.attachments,
          })
          return this.#reply('ack', { client_id: frame.client_id, message })
        }
        case 'read':
          await chat.markRead(this.address, frame.thread_uuid, frame.up_to)
          return
        case 'typing':
          return await chat.typing(this.address, frame.thread_uuid)
        case 'resume':
          clearTimeout(this.#grace)
          return await this.resume(frame.after_id)
      }
    } catch (error) {
      const { status, body } = errorResponse(error)
      if (status >= 500) this.context.log.error({ err: error }, 'websocket frame failed')
      this.#reply('error', clientId === undefined ? { status, body } : { client_id: clientId, status, body })
    }
  }

  #goLive(): void {
    clearTimeout(this.#grace)
    this.release()
  }

  #reply(type: 'ack' | 'error', data: object): void {
    if (this.ended) return
    this.#socket.send(JSON.stringify({ type, data }))
    this.checkBuffer()
  }

  protected write(event: StreamEvent): void {
    this.#socket.send(event.frame)
  }

  protected buffered(): number {
    return this.#socket.bufferedAmount
  }

  protected flushed(): Promise<void> {
    // The callback of a ping queued behind the data runs once all of it reached the socket.
    return new Promise((resolve) => this.#socket.ping(undefined, undefined, () => resolve()))
  }

  protected heartbeat(): void {
    if (!this.#alive) return this.end('closed')
    this.#alive = false
    this.#socket.ping()
  }

  protected finish(reason: EndReason): void {
    clearTimeout(this.#grace)
    if (reason === 'shutdown') this.#socket.close(1001, 'Server shutting down.')
    else if (reason === 'revoked') this.#socket.close(UNAUTHORIZED, 'Signed out.')
    else if (reason === 'expired') this.#socket.close(UNAUTHORIZED, 'Token expired.')
    else if (reason === 'failed') this.#socket.close(1011, 'Internal error.')
    else this.#socket.terminate()
  }
}
