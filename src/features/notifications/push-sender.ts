import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import webPush from 'web-push'
import { checkedLookup, ForbiddenAddressError, hostOf, hostRefusal } from '../../core/net/outbound.js'
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
 * the VAPID header; the request itself goes out here, over http or https, to the push service's
 * host only when neither it nor any address it resolves to is forbidden (core/net/outbound.ts,
 * unless `allowPrivate`), so a subscription cannot point the server at its own network,
 * whatever its DNS says later.
 */
export class PushSender {
  readonly #vapid: VapidKeys
  readonly #allowPrivate: boolean
  readonly #lookup: LookupFunction

  constructor(vapid: VapidKeys, options: { allowPrivate: boolean }) {
    this.#vapid = vapid
    this.#allowPrivate = options.allowPrivate
    this.#lookup = checkedLookup(options.allowPrivate)
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
    const host = hostOf(url)
    if (!this.#allowPrivate && hostRefusal(host) === 'forbidden-address') throw new ForbiddenAddressError(host, host)
    const options: RequestOptions = {
      method: details.method,
      headers: details.headers as Record<string, string>,
      timeout: TIMEOUT_MS,
      lookup: this.#lookup,
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
}
