import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { checkedLookup, ForbiddenAddressError, hostOf, hostRefusal } from '../../core/net/outbound.js'

export interface SenderOptions {
  /** Lets deliveries reach loopback and private networks (WEBHOOK_ALLOW_PRIVATE, for tests). */
  allowPrivate: boolean
  /** The whole exchange, connecting included. */
  timeoutMs: number
  /** Bytes of the answer read before it is cut off; the body is never kept. */
  maxResponseBytes: number
  /** Ends the attempt at once (the server shuts down). */
  signal: AbortSignal
}

/** What one attempt came to: the HTTP status if any, and why it failed (null: delivered). */
export interface Outcome {
  statusCode: number | null
  error: string | null
}

const USER_AGENT = 'vfx-chat-webhooks/1'

/**
 * POSTs one delivery, within `timeoutMs` from the DNS lookup on. The host is resolved once and
 * every address checked (SSRF, core/net/outbound.ts), a literal address as it stands; the
 * connection goes to a checked address, so a second DNS answer cannot swap it for another
 * (rebinding). Redirects are not followed: a 3xx is a failure, like any status but 2xx.
 */
export function send(url: string, body: string, headers: Record<string, string>, options: SenderOptions): Promise<Outcome> {
  const target = new URL(url)
  const host = hostOf(target)
  if (!options.allowPrivate && hostRefusal(host) === 'forbidden-address') {
    return Promise.resolve({ statusCode: null, error: new ForbiddenAddressError(host, host).message })
  }
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      options.signal.removeEventListener('abort', stopped)
      outgoing.destroy()
      resolve(outcome)
    }
    const deadline = setTimeout(() => finish({ statusCode: null, error: `Timed out after ${options.timeoutMs} ms.` }), options.timeoutMs)
    const stopped = () => finish({ statusCode: null, error: 'Stopped: the server shut down.' })
    options.signal.addEventListener('abort', stopped, { once: true })
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest
    const outgoing = request(
      target,
      {
        method: 'POST',
        lookup: checkedLookup(options.allowPrivate),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT },
      },
      (response) => drain(response, options.maxResponseBytes, () => finish(outcomeOf(response.statusCode ?? 0))),
    )
    outgoing.on('error', (error) => finish({ statusCode: null, error: failureOf(error, host) }))
    outgoing.end(body)
  })
}

/** Why the request never got an answer, as the delivery log tells it. */
function failureOf(error: NodeJS.ErrnoException, host: string): string {
  if (error instanceof ForbiddenAddressError) return error.message
  if (error.syscall === 'getaddrinfo') return `Could not resolve ${host}.`
  return `Connection failed: ${error.message}`
}

function outcomeOf(statusCode: number): Outcome {
  if (statusCode >= 200 && statusCode < 300) return { statusCode, error: null }
  const reason = statusCode >= 300 && statusCode < 400 ? 'redirects are not followed' : 'the endpoint did not answer 2xx'
  return { statusCode, error: `HTTP ${statusCode}: ${reason}.` }
}

/** Reads the answer up to `cap` bytes (a receiver cannot make a delivery hold memory), then stops. */
function drain(response: IncomingMessage, cap: number, done: () => void) {
  let received = 0
  response.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (received > cap) done()
  })
  response.on('end', done)
  response.on('error', done)
}
