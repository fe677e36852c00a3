import { isMessageEvent, MESSAGE_EVENT, type BusEvent, type MessageEventData } from '../bus/event-bus.js'

/**
 * One event as the streams send it, encoded at most once however many connections carry it:
 * a broadcast to a thousand connections serializes its data once, not a thousand times.
 *
 * ```ts
 * const event = StreamEvent.of(chatEvent)
 * response.write(event.sse)   // id: 42\nevent: message\ndata: {…}\n\n
 * socket.send(event.frame)    // {"type":"message","data":{…}}
 * ```
 */
export class StreamEvent {
  readonly type: string
  readonly data: unknown
  #json: string | undefined
  #sse: string | undefined
  #frame: string | undefined

  private constructor(type: string, data: unknown) {
    this.type = type
    this.data = data
  }

  static of(event: BusEvent): StreamEvent {
    return new StreamEvent(event.type, event.data)
  }

  static message(message: MessageEventData): StreamEvent {
    return new StreamEvent(MESSAGE_EVENT, message)
  }

  /** The message id of a `message` event: the position a client resumes from. */
  get messageId(): number | undefined {
    return isMessageEvent(this) ? this.data.id : undefined
  }

  get json(): string {
    return (this.#json ??= JSON.stringify(this.data))
  }

  /** text/event-stream form; only messages carry an `id:`, so Last-Event-ID is always a message id. */
  get sse(): string {
    const id = this.messageId
    return (this.#sse ??= `${id === undefined ? '' : `id: ${id}\n`}event: ${this.type}\ndata: ${this.json}\n\n`)
  }

  /** WebSocket text frame `{"type","data"}`. */
  get frame(): string {
    return (this.#frame ??= `{"type":${JSON.stringify(this.type)},"data":${this.json}}`)
  }
}
