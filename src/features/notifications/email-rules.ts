import { randomBytes } from 'node:crypto'
import { Invalid } from '../../core/errors.js'

/** How long a verification link works. */
export const VERIFICATION_TTL_MS = 24 * 3_600_000
/** One verification mail a minute per person: binding cannot be used to flood someone's mailbox. */
export const VERIFICATION_INTERVAL_MS = 60_000

// A dot-atom local part and a host name of letters, digits and hyphens: nothing that could end
// a header line or start a second address (no spaces, CR, LF, commas, angle brackets, quotes).
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** The address as it will be stored (domain lower-cased), or Invalid on `email`. */
export function checkEmail(email: string): string {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const labels = email.slice(at + 1).split('.')
  const valid =
    at > 0 &&
    email.length <= 254 &&
    local.length <= 64 &&
    LOCAL.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    /[A-Za-z]/.test(labels.at(-1)!)
  if (!valid) throw new Invalid('email', 'Enter a valid email address.')
  return `${local}@${labels.join('.').toLowerCase()}`
}

/** A link's secret: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}
