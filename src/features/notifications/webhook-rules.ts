import { createHmac, randomBytes } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { Invalid } from '../../core/errors.js'
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
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && isIP(host) && isForbiddenAddress(host)) throw new Invalid('url', 'Must not point at a private, loopback or link-local address.')
  return url.href
}

/**
 * Where a delivery must never connect (SSRF): this host, private networks, link-local (cloud
 * metadata at 169.254.169.254), carrier-grade NAT, multicast, unspecified and reserved ranges,
 * in IPv4, IPv6 and IPv4 written as IPv6.
 */
const FORBIDDEN = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6')
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6')
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
