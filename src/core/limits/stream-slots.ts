import { RateLimited } from '../errors.js'

/** Seconds a refused client is told to wait before opening a stream again. */
export const RETRY_AFTER_SECONDS = 5

export interface StreamLimits {
  maxStreamsPerAddress: number
  maxStreamsPerIp: number
}

/**
 * Counts the open streams (SSE and WebSocket together) of each address and each IP, so one
 * client cannot exhaust sockets or memory (MAX_STREAMS_PER_ADDRESS, MAX_STREAMS_PER_IP): in
 * this process (LocalStreamSlots), or across the cluster (RedisLimits.streamSlots).
 */
export interface StreamSlots {
  /** Takes a slot for one stream; throws RateLimited when a cap is reached. See LocalStreamSlots. */
  acquire(address: string | null, ip: string): (() => void) | Promise<() => void>
  /** Counts an open stream against an address learnt after it opened. */
  acquireAddress(address: string): (() => void) | Promise<() => void>
  /** How many streams `address` holds open right now (a push is for people who are not looking). */
  openFor(address: string): number | Promise<number>
}

/**
 * The streams open in this process.
 *
 * ```ts
 * const release = slots.acquire(request.caller, request.ip) // throws RateLimited when full
 * reply.raw.on('close', release)
 * ```
 */
export class LocalStreamSlots implements StreamSlots {
  readonly #perAddress: number
  readonly #perIp: number
  readonly #byAddress = new Map<string, number>()
  readonly #byIp = new Map<string, number>()

  constructor(limits: StreamLimits) {
    this.#perAddress = limits.maxStreamsPerAddress
    this.#perIp = limits.maxStreamsPerIp
  }

  /**
   * Takes a slot for one stream (`address` null while the caller is still unknown); the
   * returned release is idempotent. Throws RateLimited when either cap is reached.
   */
  acquire(address: string | null, ip: string): () => void {
    const full = address !== null && (this.#byAddress.get(address) ?? 0) >= this.#perAddress
    if (full || (this.#byIp.get(ip) ?? 0) >= this.#perIp) throw new RateLimited(RETRY_AFTER_SECONDS)
    if (address !== null) increment(this.#byAddress, address, 1)
    increment(this.#byIp, ip, 1)
    return once(() => {
      if (address !== null) increment(this.#byAddress, address, -1)
      increment(this.#byIp, ip, -1)
    })
  }

  /**
   * Counts a stream against an address learnt after it opened (a WebSocket that signs in by
   * its first frame already holds an IP slot). Throws RateLimited when the address is full.
   */
  acquireAddress(address: string): () => void {
    if ((this.#byAddress.get(address) ?? 0) >= this.#perAddress) throw new RateLimited(RETRY_AFTER_SECONDS)
    increment(this.#byAddress, address, 1)
    return once(() => increment(this.#byAddress, address, -1))
  }

  openFor(address: string): number {
    return this.#byAddress.get(address) ?? 0
  }

  /** The open streams of each address and IP, for a shared count rebuilt after a Redis restart. */
  counts(): { byAddress: ReadonlyMap<string, number>; byIp: ReadonlyMap<string, number> } {
    return { byAddress: this.#byAddress, byIp: this.#byIp }
  }
}

/** A release that takes effect once however often it is called. */
export function once(release: () => void): () => void {
  let released = false
  return () => {
    if (released) return
    released = true
    release()
  }
}

/** Keeps only non-zero counts, so memory follows connected clients only. */
function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by
  if (next > 0) counts.set(key, next)
  else counts.delete(key)
}
