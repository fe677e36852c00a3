/** A limit on how often a key (an address, an IP) may do something. */
export interface RateLimiter {
  /** Takes one token for `key`; 0 when allowed, else the seconds to wait. */
  take(key: string, nowMs: number): number | Promise<number>
  /** Forgets keys that have been quiet, so memory follows active ones. */
  sweep(nowMs: number): void
}

/**
 * Token buckets keyed by a string (an address, an IP): `rate` tokens per second refill a
 * bucket of `burst`, in this process. Pure bookkeeping; the caller passes the clock so tests
 * need no timers.
 */
export class TokenBuckets implements RateLimiter {
  readonly #rate: number
  readonly #burst: number
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  constructor(rate: number, burst: number) {
    this.#rate = rate
    this.#burst = burst
  }

  take(key: string, nowMs: number): number {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: nowMs }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate)
    bucket.at = nowMs
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return (1 - bucket.tokens) / this.#rate
  }

  /** Forgets buckets that have refilled completely. */
  sweep(nowMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key)
    }
  }
}
