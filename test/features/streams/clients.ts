import { get, type IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { EventStreamParser, type ServerSentEvent } from '../../../src/sdk/event-stream.js'
import type { TestServer } from '../../helpers/server.js'

/** What a test client has received so far, and a way to wait for more. */
export class Received<T> {
  readonly items: T[] = []
  readonly #waiters = new Set<() => void>()

  push(item: T): void {
    this.items.push(item)
    this.recheck()
  }

  /** Re-tests pending waits, for conditions that changed outside the items. */
  recheck(): void {
    for (const wake of this.#waiters) wake()
  }

  /** Resolves with all items once `done(items)` holds; rejects after `ms`, naming what came. */
  until(done: (items: T[]) => boolean, ms = 5000): Promise<T[]> {
    if (done(this.items)) return Promise.resolve(this.items)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`timed out; received ${JSON.stringify(this.items).slice(0, 2000)}`))
      }, ms)
      const check = () => {
        if (!done(this.items)) return
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve(this.items)
      }
      this.#waiters.add(check)
    })
  }
}

export interface SseClient {
  readonly response: IncomingMessage
  readonly events: Received<ServerSentEvent>
  /** The raw body in chunks, for checks on comments and retry hints. */
  readonly chunks: Received<string>
  readonly text: () => string
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>
  close(): void
}

/** A raw SSE client on node:http, one socket per stream (no agent pooling). */
export function openSse(
  baseUrl: string,
  options: {
    token?: string
    query?: Record<string, string | number>
    headers?: Record<string, string>
    /** The client's own loopback address (127.0.0.2, …): another IP as a proxy sees it. */
    localAddress?: string
  } = {},
): Promise<SseClient> {
  const url = new URL('/api/chat/stream/', baseUrl)
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, String(value))
  // As EventSource sends it.
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent: false, localAddress: options.localAddress }, (response) => {
      const events = new Received<ServerSentEvent>()
      const chunks = new Received<string>()
      const parser = new EventStreamParser()
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        chunks.push(chunk)
        for (const event of parser.push(chunk)) events.push(event)
      })
      const ended = new Promise<void>((done) => {
        response.on('end', done)
        response.on('close', done)
        response.on('error', done)
      })
      resolve({ response, events, chunks, text: () => chunks.items.join(''), ended, close: () => request.destroy() })
    })
    request.on('error', reject)
  })
}

/** The JSON data of the message events received, in order. */
export function messagesOf(events: readonly ServerSentEvent[]): Array<{ id: number; content: string; sender: string; thread_uuid: string }> {
  return events.filter((event) => event.type === 'message').map((event) => JSON.parse(event.data))
}

export interface Frame {
  type: string
  data: Record<string, unknown>
}

export interface WsClient {
  readonly socket: WebSocket
  readonly frames: Received<Frame>
  /** Resolves with the close code once the socket closes. */
  readonly closed: Promise<number>
  send(frame: unknown): void
}

/** A WebSocket client that records every frame it receives. */
export function openWs(
  baseUrl: string,
  options: { token?: string; query?: Record<string, string | number>; autoPong?: boolean } = {},
): Promise<WsClient> {
  const url = new URL('/api/chat/ws/', baseUrl.replace(/^http/, 'ws'))
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, String(value))
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {}
  const socket = new WebSocket(url, { headers, autoPong: options.autoPong ?? true })
  const frames = new Received<Frame>()
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())))
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({ socket, frames, closed, send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)) }),
    )
    socket.once('error', reject)
  })
}

/** Resolves after `ms`: for checking that nothing arrives in a while. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A buyer and a seller, signed in, and the thread between them. */
export async function pairIn(server: TestServer) {
  const buyer = await server.signIn()
  const seller = await server.signIn()
  const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
  return { buyer, seller, thread }
}
