import { createECDH, createPublicKey, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decrypt } from 'http_ece'

/** A push the service received, decrypted and checked. */
export interface ReceivedPush {
  /** Which browser it was for (the name the test gave its subscription). */
  browser: string
  payload: unknown
  headers: IncomingHttpHeaders
  /** The VAPID public key the push was signed with (`k=`). */
  vapidKey: string
}

interface Browser {
  name: string
  ecdh: ECDH
  auth: string
  /** What the service answers this browser's pushes with. */
  answers: number[]
}

/**
 * A push service on 127.0.0.1, as a browser vendor runs one (RFC 8030): each subscription is a
 * browser with its own P-256 key pair and auth secret. A push must carry a valid VAPID
 * signature for the endpoint's origin (RFC 8292) and decrypt with that browser's keys
 * (aes128gcm, RFC 8291); anything else is refused with 400 and counted in `refused`.
 *
 * ```ts
 * const service = await PushEndpoint.start()
 * await client.subscribePush(service.subscribe('bob'))
 * const push = await service.next('bob')
 * ```
 */
export class PushEndpoint {
  readonly received: ReceivedPush[] = []
  readonly refused: string[] = []
  readonly #server: Server
  readonly #browsers = new Map<string, Browser>()
  readonly #waiting: Array<{ browser: string; resolve: (push: ReceivedPush) => void }> = []
  readonly url: string

  private constructor(server: Server) {
    this.#server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  static async start(): Promise<PushEndpoint> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const endpoint = new PushEndpoint(server)
    server.on('request', (request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const status = endpoint.#receive(request.url ?? '', request.method ?? '', request.headers, Buffer.concat(chunks))
        response.writeHead(status).end()
      })
    })
    return endpoint
  }

  /** A new browser's PushSubscription JSON, as `pushManager.subscribe()` would give it. */
  subscribe(name: string): { endpoint: string; keys: { p256dh: string; auth: string } } {
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const browser: Browser = { name, ecdh, auth: randomBytes(16).toString('base64url'), answers: [] }
    const id = randomUUID()
    this.#browsers.set(id, browser)
    return { endpoint: `${this.url}/push/${id}`, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: browser.auth } }
  }

  /** Makes the next pushes to `name` answer these statuses (410: the browser unsubscribed), then 201 again. */
  answer(name: string, ...statuses: number[]): void {
    for (const browser of this.#browsers.values()) if (browser.name === name) browser.answers.push(...statuses)
  }

  /** The next push `name` receives (one already received and not yet taken first). */
  next(name: string): Promise<ReceivedPush> {
    const index = this.received.findIndex((push) => push.browser === name)
    if (index >= 0) return Promise.resolve(this.received.splice(index, 1)[0]!)
    return new Promise((resolve) => this.#waiting.push({ browser: name, resolve }))
  }

  /** Pushes received for `name` and not taken by `next`. */
  pending(name: string): ReceivedPush[] {
    return this.received.filter((push) => push.browser === name)
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  #receive(path: string, method: string, headers: IncomingHttpHeaders, body: Buffer): number {
    const browser = this.#browsers.get(/^\/push\/([0-9a-f-]+)$/.exec(path)?.[1] ?? '')
    if (method !== 'POST' || !browser) return 404
    const status = browser.answers.shift() ?? 201
    if (status !== 201) return status
    try {
      const vapidKey = checkVapid(headers.authorization ?? '', this.url)
      if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${headers['content-encoding']}`)
      if (!/^\d+$/.test(String(headers.ttl))) throw new Error('no TTL')
      const payload: unknown = JSON.parse(decrypt(body, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth }).toString('utf8'))
      const push = { browser: browser.name, payload, headers, vapidKey }
      const waiter = this.#waiting.findIndex((waiting) => waiting.browser === browser.name)
      if (waiter >= 0) this.#waiting.splice(waiter, 1)[0]!.resolve(push)
      else this.received.push(push)
      return 201
    } catch (error) {
      this.refused.push(String(error))
      return 400
    }
  }
}

/** Checks `vapid t=<JWT>, k=<key>`: an ES256 signature by k, for this origin, not expired. Returns k. */
function checkVapid(authorization: string, origin: string): string {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization)
  if (!match) throw new Error(`not a VAPID authorization: ${authorization.slice(0, 20)}`)
  const [, header, claims, signature, key] = match as unknown as [string, string, string, string, string]
  const point = Buffer.from(key, 'base64url')
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  })
  const signed = Buffer.from(`${header}.${claims}`)
  if (!verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) throw new Error('bad VAPID signature')
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string }
  const { aud, exp, sub } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number; sub: string }
  if (alg !== 'ES256' || aud !== origin || !(exp > Date.now() / 1000) || !/^(mailto|https):/.test(sub)) throw new Error(`bad VAPID claims ${aud} ${exp} ${sub}`)
  return key
}
