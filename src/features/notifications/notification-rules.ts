import { Invalid } from '../../core/errors.js'

/** Where a notification can go: a push to the person's browsers, an e-mail digest, their webhooks. */
export type Channel = 'push' | 'email' | 'webhooks'

export interface QuietHours {
  /** 'HH:MM', local to `time_zone`; the window may run over midnight. */
  start: string
  end: string
  time_zone: string
}

const MINUTES_A_DAY = 1440
const MINUTE_MS = 60_000

/** A time zone name the runtime knows (IANA, e.g. Europe/Berlin), or Invalid on `field`. */
export function checkTimeZone(timeZone: string, field: string): void {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone })
  } catch {
    throw new Invalid(field, `"${timeZone.slice(0, 64)}" is not a known time zone.`)
  }
}

/** Refuses a window that is empty: a start equal to its end silences nothing, or everything. */
export function checkQuietHours(quiet: QuietHours): void {
  if (quiet.start === quiet.end) throw new Invalid('quiet_hours', 'start and end must differ.')
  checkTimeZone(quiet.time_zone, 'quiet_hours')
}

/**
 * When the quiet hours that `nowMs` falls in end (ms), or null outside them. Minutes are read
 * on the wall clock of the person's time zone, so daylight saving moves the window with them.
 */
export function quietUntil(quiet: QuietHours | null, nowMs: number): number | null {
  if (!quiet) return null
  const now = localMinutes(nowMs, quiet.time_zone)
  const start = minutesOf(quiet.start)
  const end = minutesOf(quiet.end)
  const inside = start < end ? now >= start && now < end : now >= start || now < end
  if (!inside) return null
  return nowMs - (nowMs % MINUTE_MS) + ((end - now + MINUTES_A_DAY) % MINUTES_A_DAY) * MINUTE_MS
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number)
  return hours! * 60 + minutes!
}

function localMinutes(nowMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(nowMs)
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return part('hour') * 60 + part('minute')
}
