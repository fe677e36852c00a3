/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  /** `message` when the stream names no type. */
  type: string
  data: string
  /** The last event id seen so far on the stream (ids persist across events, as in EventSource). */
  lastId: string | undefined
}

/**
 * Parses a text/event-stream incrementally, by the WHATWG rules EventSource follows: fields,
 * comments, multi-line data, CR/LF/CRLF line ends, `retry:` hints.
 *
 * ```ts
 * const parser = new EventStreamParser()
 * for (const event of parser.push(chunk)) console.log(event.type, JSON.parse(event.data))
 * ```
 */
export class EventStreamParser {
  /** Milliseconds the server asked clients to wait before reconnecting, once it said so. */
  retry: number | undefined
  lastId: string | undefined
  #buffer = ''
  #type = ''
  #data: string[] = []

  push(chunk: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = []
    let text = this.#buffer + chunk
    // A trailing CR may be the first half of a CRLF: keep it for the next chunk.
    const held = text.endsWith('\r') ? '\r' : ''
    if (held) text = text.slice(0, -1)
    const lines = text.split(/\r\n|\r|\n/)
    // The last piece is an unfinished line.
    this.#buffer = (lines.pop() ?? '') + held
    for (const line of lines) {
      const event = this.#line(line)
      if (event) events.push(event)
    }
    return events
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch()
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1)
    if (field === 'event') this.#type = value
    else if (field === 'data') this.#data.push(value)
    else if (field === 'id' && !value.includes('\u0000')) this.lastId = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value)
    return undefined
  }

  #dispatch(): ServerSentEvent | undefined {
    const type = this.#type || 'message'
    const data = this.#data
    this.#type = ''
    this.#data = []
    return data.length === 0 ? undefined : { type, data: data.join('\n'), lastId: this.lastId }
  }
}
