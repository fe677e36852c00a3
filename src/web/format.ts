/** How addresses and times read in the web client. */

const HEAD = 6
const TAIL = 4

/** `R9Ng1r…RsBR`: enough to tell addresses apart at a glance; the full one is a click away. */
export function shortAddress(address: string): string {
  return address.length <= HEAD + TAIL + 1 ? address : `${address.slice(0, HEAD)}…${address.slice(-TAIL)}`
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' })
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** "now", "5 min. ago", "3 hr. ago", "yesterday", then a date. */
export function relativeTime(timestamp: string, now = Date.now()): string {
  const elapsed = now - Date.parse(timestamp)
  if (elapsed < MINUTE) return 'now'
  if (elapsed < HOUR) return relative.format(-Math.floor(elapsed / MINUTE), 'minute')
  if (elapsed < DAY) return relative.format(-Math.floor(elapsed / HOUR), 'hour')
  if (elapsed < 7 * DAY) return relative.format(-Math.floor(elapsed / DAY), 'day')
  return new Date(timestamp).toLocaleDateString()
}

export function clockTime(timestamp: string): string {
  return clock.format(new Date(timestamp))
}

export function fullTime(timestamp: string): string {
  return full.format(new Date(timestamp))
}

/** The heading of a day in a conversation. */
export function dayLabel(timestamp: string, now = new Date()): string {
  const date = new Date(timestamp)
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime()
  const that = new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
  if (that === today) return 'Today'
  if (Math.round((today - that) / DAY) === 1) return 'Yesterday'
  return day.format(date)
}

/** Message length as the server counts it: Unicode code points. */
export function codePoints(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

// "812 bytes" reads better than the short "812 byte"; "kB" and "MB" better than their long names.
const sizeUnits = (['byte', 'kilobyte', 'megabyte'] as const).map(
  (unit) =>
    new Intl.NumberFormat(undefined, { style: 'unit', unit, unitDisplay: unit === 'byte' ? 'long' : 'short', maximumFractionDigits: 1 }),
)

/** "812 bytes", "14.2 kB", "2.3 MB": steps of 1024, as the server's limit (10 MiB) counts. */
export function fileSize(bytes: number): string {
  let step = 0
  let value = bytes
  while (value >= 1024 && step < sizeUnits.length - 1) {
    value /= 1024
    step++
  }
  return sizeUnits[step]!.format(value)
}
