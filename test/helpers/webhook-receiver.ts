import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a receiver got, with what its signature check found. */
export interface Received {
  headers: IncomingHttpHeaders
  body: string
  event: { id: string; type: string; created_at: string; data: Record<string, unknown> }
  /** The secrets (of those the receiver knows) whose `v1` signature matched. */
  signedBy: string[]
  /** The signature's time lies within the replay window of the receiver's clock. */
  fresh: boolean
}

/** What the receiver does with a request: answer with a status, or never answer (until closed). */
export type Answer = number | 'hang'

/** Seconds a signature's time may differ from the receiver's: what docs/api.md §15.2 tells receivers. */
export const REPLAY_WINDOW_S = 300

/**
 * A webhook endpoint as a shop's tool would run it: on loopback, it checks each request's
 * `VFX-Signature` against the secrets it knows and answers as `answer` says (fail on purpose,
 * hang). `received` lists every request, duplicates included.
 */
export async function startReceiver(options: { now?: () => number } = {}) {
  const received: Received[] = []
  const secrets: string[] = []
  const hanging = new Set<ServerResponse>()
  let answer: (request: Received, index: number) => Answer = () => 200
  const now = options.now ?? Date.now
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      const entry = { headers: request.headers, body, event: JSON.parse(body) as Received['event'], ...verify(body, String(request.headers['vfx-signature'] ?? ''), secrets, now()) }
      received.push(entry)
      const status = answer(entry, received.length - 1)
      if (status === 'hang') hanging.add(response)
      else response.writeHead(status, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  return {
    url,
    received,
    /** Accepts signatures by this secret from now on. */
    trust(secret: string) {
      secrets.push(secret)
    },
    answerWith(policy: (request: Received, index: number) => Answer) {
      answer = policy
    },
    /** The requests so far that carried a valid, fresh signature. */
    verified(): Received[] {
      return received.filter((entry) => entry.signedBy.length > 0 && entry.fresh)
    },
    /** Resolves once `condition` holds of the requests received, or fails after `timeoutMs`. */
    async until(condition: (received: Received[]) => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!condition(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${received.length} requests`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    async close() {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>

/** Checks `t=<unix>,v1=<hex>[,v1=<hex>]` as a receiver must: HMAC-SHA256 of `<t>.<body>`, compared in constant time. */
function verify(body: string, header: string, secrets: readonly string[], nowMs: number) {
  const parts = header.split(',').map((part) => part.split('=') as [string, string])
  const t = Number(parts.find(([key]) => key === 't')?.[1])
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => Buffer.from(value, 'hex'))
  const signedBy = secrets.filter((secret) => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
    return signatures.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected))
  })
  return { signedBy, fresh: Math.abs(nowMs / 1000 - t) <= REPLAY_WINDOW_S }
}
