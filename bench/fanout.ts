import { request, type IncomingMessage } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { percentile } from './load.js'
import type { ChildServer } from './processes.js'

export type StreamKind = 'sse' | 'ws'

export interface FanoutResult {
  kind: StreamKind
  subscribers: number
  /** Milliseconds from the POST of a message to its event at each subscriber. */
  p50: number
  p99: number
  deliveries: number
  /** Deliveries that never came within the wait: should be 0. */
  missed: number
  /** Server RSS growth per open, idle stream, in bytes. */
  rssPerStream: number
}

interface Stream {
  close(): void
}

/** Called with the message id of each `message` event a stream receives. */
type OnMessage = (id: number) => void

const OPEN_AT_ONCE = 200
const DELIVERY_WAIT_MS = 15_000
// Streams send the message id first on the line or frame: cheap to find at 10,000 deliveries.
const SSE_ID = /^id: (\d+)$/m
const WS_MESSAGE = /^\{"type":"message","data":\{"id":(\d+)/

/**
 * Opens `subscribers` idle streams spread over the `tokens` of `thread`'s participants,
 * reads the server's RSS growth, then sends `messages` messages one after another into the
 * thread and times each delivery to each stream.
 */
export async function fanout(
  server: ChildServer,
  kind: StreamKind,
  tokens: readonly string[],
  thread: string,
  subscribers: number,
  messages: number,
): Promise<FanoutResult> {
  const open = kind === 'sse' ? openSse : openWs
  // One stream per token first, so the server's first-use allocations are not counted as the crowd's.
  for (const stream of await Promise.all(tokens.map((token) => open(server.url, token, () => {})))) stream.close()
  await sleep(1000)
  const rssBefore = server.rss()
  const received = new Map<number, number[]>()
  // An event may arrive before the POST's answer names its id: every arrival is kept.
  const onMessage: OnMessage = (id) => {
    const at = performance.now()
    const times = received.get(id)
    if (times) times.push(at)
    else received.set(id, [at])
  }
  const streams: Stream[] = []
  try {
    for (let i = 0; i < subscribers; i += OPEN_AT_ONCE) {
      const batch = Array.from({ length: Math.min(OPEN_AT_ONCE, subscribers - i) }, (_, j) => tokens[(i + j) % tokens.length]!)
      streams.push(...(await Promise.all(batch.map((token) => open(server.url, token, onMessage)))))
    }
    await sleep(2000)
    const rssPerStream = (server.rss() - rssBefore) / subscribers

    const latencies: number[] = []
    let missed = 0
    const sender = tokens[0]!
    for (let i = 0; i < messages; i++) {
      const sentAt = performance.now()
      const id = await sendMessage(server.url, sender, thread, `Fan-out ${i + 1}: the auction closes in an hour`)
      const times = received.get(id) ?? []
      received.set(id, times)
      const deadline = sentAt + DELIVERY_WAIT_MS
      while (times.length < subscribers && performance.now() < deadline) await sleep(5)
      latencies.push(...times.map((at) => at - sentAt))
      missed += subscribers - times.length
      received.delete(id)
    }
    latencies.sort((a, b) => a - b)
    return { kind, subscribers, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), deliveries: latencies.length, missed, rssPerStream }
  } finally {
    for (const stream of streams) stream.close()
    await sleep(500)
  }
}

/** Sends one message and answers its id. */
export async function sendMessage(url: string, token: string, thread: string, content: string): Promise<number> {
  const response = await fetch(`${url}/api/chat/${thread}/message/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content }),
  })
  if (response.status !== 201) throw new Error(`send answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { id: number }).id
}

/** An SSE stream that reports the id of each message event it receives. */
export function openSse(url: string, token: string, onMessage: OnMessage): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/chat/stream/`, { agent: false, headers: { authorization: `Bearer ${token}` } })
    req.once('error', reject)
    req.once('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) return reject(new Error(`SSE answered ${response.statusCode}`))
      let pending = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        pending += chunk
        let end: number
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const id = SSE_ID.exec(pending.slice(0, end))?.[1]
          if (id !== undefined) onMessage(Number(id))
          pending = pending.slice(end + 2)
        }
      })
      resolve({ close: () => req.destroy() })
    })
    req.end()
  })
}

function openWs(url: string, token: string, onMessage: OnMessage): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/chat/ws/`, { headers: { authorization: `Bearer ${token}` } })
    socket.once('error', reject)
    socket.once('open', () => resolve({ close: () => socket.terminate() }))
    socket.on('message', (data) => {
      const id = WS_MESSAGE.exec(data.toString())?.[1]
      if (id !== undefined) onMessage(Number(id))
    })
  })
}
