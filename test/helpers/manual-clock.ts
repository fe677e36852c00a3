import type { Clock } from '../../src/core/clock.js'

/**
 * A clock the test moves by hand, for expiry rules that must not cost real waiting.
 *
 * ```ts
 * const clock = new ManualClock()
 * const server = await startTestServer({}, { clock })
 * clock.advance(86_400_000)   // a day later, at once
 * ```
 */
export class ManualClock implements Clock {
  #now: number

  constructor(start = Date.parse('2026-01-01T12:00:00.000Z')) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  advance(ms: number): void {
    this.#now += ms
  }
}
