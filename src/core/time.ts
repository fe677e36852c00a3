const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)([Zz]|[+-]\d{2}:?\d{2})?$/

/**
 * Parses an RFC 3339 time into the stored form (`…T…\.sssZ`), or undefined when it is not
 * one. A missing offset means UTC; a space where a `+` offset stood is put back, since an
 * unencoded `+` in a query string arrives as a space.
 */
export function parseTimestamp(text: string): string | undefined {
  const match = RFC3339.exec(text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'))
  if (!match) return undefined
  const [, date, time, offset] = match
  // Date.parse rolls 2024-02-30 over to March and reads 24:00 as the next day; RFC 3339 has neither.
  if (!isCalendarDate(date!) || time!.startsWith('24')) return undefined
  const millis = Date.parse(`${date}T${time}${normaliseOffset(offset)}`)
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString()
}

function isCalendarDate(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`)
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(date)
}

function normaliseOffset(offset: string | undefined): string {
  if (offset === undefined || offset.toUpperCase() === 'Z') return 'Z'
  return offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`
}
