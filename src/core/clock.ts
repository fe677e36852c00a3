/**
 * Where the service takes the time from. Tokens, challenges, shops, messages and the rate
 * limiters all read this one clock, so a test can move time instead of waiting for it.
 *
 * ```ts
 * const expiresAt = timestamp(clock, ttlSeconds * 1000)
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() })

let formattedMs = Number.NaN
let formatted = ''

/** The clock's time (plus an offset) as the database stores times: RFC 3339, UTC, milliseconds. */
export function timestamp(clock: Clock, offsetMs = 0): string {
  const ms = clock.now() + offsetMs
  // A request asks several times within one millisecond, and formatting a Date costs ten
  // times what the rest of this does.
  if (ms !== formattedMs) {
    formatted = new Date(ms).toISOString()
    formattedMs = ms
  }
  return formatted
}
