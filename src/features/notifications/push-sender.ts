import { lookup as resolve, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import webPush from 'web-push'
import { isPrivateAddress } from './push-rules.js'
import type { PushMessage } from './push-schemas.js'

/** The service's VAPID identity (RFC 8292): push services know its pushes by this key. */
export interface VapidKeys {
  publicKey: string
  privateKey: string
  /** `mailto:` or `https:`: whom a push service may contact about them. */
  subject: string
}

export interface PushTarget {
  endpoint: string
  p256dh: string
  auth: string
}

/** How long a push service keeps a push for a browser that is offline: a "now" signal goes stale. */
const TIME_TO_LIVE_S = 3600
const TIMEOUT_MS = 10_000

/**
 * Sends one push: web-push encrypts the payload to the browser (aes128gcm, RFC 8291) and signs
 * the VAPID header; the request itself goes out here, over http or https, resolving the push
 * service's host through a lookup that refuses private addresses (unless `allowPrivate`), so a
 * subscription cannot point the server at its own network, whatever its DNS says later.
 */
export class PushSender {
  readonly #vapid: VapidKeys
  readonly #allowPrivate: boolean

  constructor(vapid: VapidKeys, options: { allowPrivate: boolean }) {
    this.#vapid = vapid
    this.#allowPrivate = options.allowPrivate
  }

  /** The push service's status code; rejects when it cannot be reached or does not answer in time. */
  async send(target: PushTarget, message: PushMessage): Promise<number> {
    const details = webPush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(message), {
      vapidDetails: this.#vapid,
      TTL: TIME_TO_LIVE_S,
      urgency: 'high',
      contentEncoding: 'aes128gcm',
    })
    const url = new URL(details.endpoint)
    const options: RequestOptions = {
      method: details.method,
      headers: details.headers as Record<string, string>,
      timeout: TIMEOUT_MS,
      lookup: (hostname, lookupOptions, callback) => this.#lookup(hostname, lookupOptions, callback),
    }
    return new Promise((done, fail) => {
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (response) => {
        // The body says nothing a retry needs; reading it frees the socket.
        response.resume()
        response.on('end', () => done(response.statusCode ?? 0))
        response.on('error', fail)
      })
      request.on('timeout', () => request.destroy(new Error(`the push service did not answer in ${TIMEOUT_MS} ms`)))
      request.on('error', fail)
      request.end(details.body)
    })
  }

  #lookup(
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, [])
      const refused = this.#allowPrivate ? undefined : addresses.find((candidate) => isPrivateAddress(candidate.address))
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a private address (${refused.address})`), { code: 'EPRIVATE' }), [])
      if (options.all) return callback(null, addresses)
      return callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}
