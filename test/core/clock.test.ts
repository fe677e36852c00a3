import fc from 'fast-check'
import { expect, it } from 'vitest'
import { timestamp } from '../../src/core/clock.js'
import { ManualClock } from '../helpers/manual-clock.js'

it('formats the clock, plus an offset, as RFC 3339 UTC with milliseconds, whichever times come in turn', () => {
  // Times repeat, go back and jump, as calls within one millisecond and from several clocks do.
  const times = fc.array(fc.tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -86_400_000, max: 86_400_000 })), { minLength: 1 })
  fc.assert(
    fc.property(times, (calls) => {
      for (const [at, offset] of [...calls, ...calls]) {
        const clock = new ManualClock(at)
        expect(timestamp(clock, offset)).toBe(new Date(at + offset).toISOString())
        expect(timestamp(clock)).toBe(new Date(at).toISOString())
      }
    }),
  )
})
