import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { base64urlnopad } from '@scure/base'
import { timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../core/clock.js'

export type Variant = 'original' | 'thumbnail'

/** Signed URLs live one to two windows: rounding keeps a URL stable, so browsers cache it. */
const WINDOW_SECONDS = 3600

/**
 * Short-lived download URLs, so `<img src>` works without an Authorization header. The
 * signature covers the attachment, the variant and the expiry; it names no one, so one
 * message event can carry the same URL to every participant.
 *
 * ```ts
 * const urls = new SignedUrls(secret, clock)
 * urls.path('Xy12…', 'thumbnail')   // /api/attachments/Xy12…/thumbnail/?expires=…&signature=…
 * urls.verify('Xy12…', 'thumbnail', expires, signature)
 * ```
 */
export class SignedUrls {
  readonly #key: Uint8Array
  readonly #clock: Clock

  constructor(secret: string, clock: Clock) {
    this.#key = utf8ToBytes(secret)
    this.#clock = clock
  }

  path(publicId: string, variant: Variant): string {
    const expires = (Math.floor(this.#clock.now() / 1000 / WINDOW_SECONDS) + 2) * WINDOW_SECONDS
    const suffix = variant === 'thumbnail' ? 'thumbnail/' : ''
    return `/api/attachments/${publicId}/${suffix}?expires=${expires}&signature=${this.#sign(publicId, variant, expires)}`
  }

  /** True when the signature is this server's, for this attachment and variant, and unexpired. */
  verify(publicId: string, variant: Variant, expires: string | undefined, signature: string | undefined): boolean {
    if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires)) return false
    if (Number(expires) * 1000 <= this.#clock.now()) return false
    const expected = Buffer.from(this.#sign(publicId, variant, Number(expires)))
    const given = Buffer.from(signature)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  #sign(publicId: string, variant: Variant, expires: number): string {
    return base64urlnopad.encode(hmac(sha256, this.#key, utf8ToBytes(`${publicId}/${variant}/${expires}`)))
  }
}
