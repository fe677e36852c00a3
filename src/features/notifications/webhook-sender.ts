import { lookup } from 'node:dns/promises'
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { isForbiddenAddress } from './webhook-rules.js'

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
 * every address checked (SSRF); the connection goes to the checked address, so a second DNS
 * answer cannot swap it for another (rebinding). Redirects are not followed: a 3xx is a
 * failure, like any status but 2xx.
 */
export function send(url: string, body: string, headers: Record<string, string>, options: SenderOptions): Promise<Outcome> {
  const target = new URL(url)
  return new Promise<Outcome>((resolve) => {
    let outgoing: ClientRequest | undefined
    let settled = false
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      options.signal.removeEventListener('abort', stopped)
      outgoing?.destroy()
      resolve(outcome)
    }
    const deadline = setTimeout(() => finish({ statusCode: null, error: `Timed out after ${options.timeoutMs} ms.` }), options.timeoutMs)
    const stopped = () => finish({ statusCode: null, error: 'Stopped: the server shut down.' })
    options.signal.addEventListener('abort', stopped, { once: true })
    void checkedAddress(target.hostname.replace(/^\[|\]$/g, ''), options.allowPrivate).then((checked) => {
      if ('error' in checked) return finish({ statusCode: null, error: checked.error })
      if (settled) return
      const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
        if (lookupOptions.all) callback(null, [checked])
        else callback(null, checked.address, checked.family)
      }
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest
      outgoing = request(
        target,
        {
          method: 'POST',
          lookup: pinned,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT },
        },
        (response) => drain(response, options.maxResponseBytes, () => finish(outcomeOf(response.statusCode ?? 0))),
      )
      outgoing.on('error', (error) => finish({ statusCode: null, error: `Connection failed: ${error.message}` }))
      outgoing.end(body)
    })
  })
}

/** The address to connect to, once every address the host resolves to passed the check. */
async function checkedAddress(host: string, allowPrivate: boolean): Promise<{ address: string; family: number } | { error: string }> {
  let addresses: { address: string; family: number }[]
  try {
    addresses = await lookup(host, { all: true, verbatim: true })
  } catch {
    return { error: `Could not resolve ${host}.` }
  }
  const refused = addresses.find(({ address }) => isForbiddenAddress(address))
  if (addresses.length === 0 || (refused && !allowPrivate)) {
    return { error: `Refused: ${host} resolves to ${refused?.address ?? 'nothing'}, a private, loopback or link-local address.` }
  }
  return addresses[0]!
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
