import { createHmac, randomBytes } from 'node:crypto'
import { Invalid } from '../../core/errors.js'
import { hostOf, hostRefusal } from '../../core/net/outbound.js'
import type { RecordedChatEvent } from '../chat/index.js'

/** What an endpoint can subscribe to, as the delivery's `type` names it. */
export const WEBHOOK_EVENTS = ['message.created', 'thread.created', 'thread.read'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** The one delivery no chat event causes: `POST /api/webhooks/{id}/test/`. */
export const PING = 'ping'

export function webhookEventOf(event: RecordedChatEvent): WebhookEvent {
  return event.type === 'message' ? 'message.created' : event.type === 'thread' ? 'thread.created' : 'thread.read'
}

/** A new signing secret: 32 random bytes, Stripe-style prefixed so a leaked one is recognisable. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/**
 * The `VFX-Signature` header: the time and one HMAC-SHA256 of `<t>.<body>` per secret that
 * signs now (two during a rotation's overlap), so a receiver holding either secret verifies.
 */
export function signatureHeader(body: string, unixSeconds: number, secrets: readonly string[]): string {
  const signed = `${unixSeconds}.${body}`
  return [`t=${unixSeconds}`, ...secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`)].join(',')
}

/**
 * A registered URL: https (http only where private targets are allowed, for local tests), no
 * credentials in it, and no literal address that could never pass the delivery's address check.
 */
export function checkEndpointUrl(text: string, allowPrivate: boolean): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Invalid('url', 'Enter a valid URL.')
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw new Invalid('url', 'Must be an https:// URL.')
  if (url.username || url.password) throw new Invalid('url', 'Must not hold a user name or password.')
  // A name, `localhost` too, is checked at each attempt, against what it then resolves to.
  if (!allowPrivate && hostRefusal(hostOf(url)) === 'forbidden-address') throw new Invalid('url', 'Must not point at a private, loopback or link-local address.')
  return url.href
}

/**
 * How long to wait before trying a failed delivery again: exponential backoff with full jitter
 * (a random time up to `base · 2^(attempt-1)`, capped, never under half the base), so many
 * endpoints failing at once do not retry in step.
 */
export function nextAttemptDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.max(baseMs / 2, Math.round(random() * ceiling))
}
