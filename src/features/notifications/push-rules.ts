import { ECDH } from 'node:crypto'
import { Invalid } from '../../core/errors.js'
import { hostOf, hostRefusal } from '../../core/net/outbound.js'
import type { Message } from '../chat/index.js'
import type { PushMessage } from './push-schemas.js'

/** A push service keeps about 4 KiB of payload; a preview is cut well below, in code points. */
const PREVIEW_LENGTH = 240

/**
 * A browser's subscription as the server will use it, or Invalid: an https endpoint on a public
 * host (`allowPrivate` lets plain http and private hosts through, for a push service on the
 * same network or in tests), a P-256 public key and a 16-byte auth secret.
 */
export function checkSubscription(endpoint: string, keys: { p256dh: string; auth: string }, allowPrivate: boolean): void {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new Invalid('endpoint', 'Enter a valid URL.')
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw new Invalid('endpoint', 'A push endpoint must be an https URL.')
  if (url.username || url.password) throw new Invalid('endpoint', 'A push endpoint carries no credentials.')
  if (!allowPrivate && hostRefusal(hostOf(url)) !== null) throw new Invalid('endpoint', 'A push endpoint must be on a public host.')
  const publicKey = base64url(keys.p256dh)
  if (publicKey?.length !== 65 || publicKey[0] !== 4 || !onCurve(publicKey)) {
    throw new Invalid('keys', 'p256dh must be an uncompressed P-256 public key, base64url (65 bytes).')
  }
  if (base64url(keys.auth)?.length !== 16) throw new Invalid('keys', 'auth must be 16 bytes, base64url.')
}

/** What a push tells of a new message: its words only when the recipient allows previews. */
export function pushMessageOf(message: Message, previews: boolean): PushMessage {
  const words = [...message.content.trim()]
  const preview = words.length > PREVIEW_LENGTH ? `${words.slice(0, PREVIEW_LENGTH - 1).join('')}…` : words.join('')
  const attachments = message.attachments.length
  return {
    type: 'message',
    thread: message.thread_uuid,
    message_id: message.id,
    sender: message.sender,
    title: `New message from ${shortAddress(message.sender)}`,
    body: previews && preview !== '' ? preview : previews && attachments > 0 ? `Sent ${attachments === 1 ? 'an attachment' : `${attachments} attachments`}.` : 'Open VFX Chat to read it.',
  }
}

/** When a push that failed for a while (429, 5xx, no answer) is tried again: 10 s, 40 s, 90 s… */
export function retryDelayMs(attempts: number): number {
  return attempts * attempts * 10_000
}

function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}

function base64url(text: string): Buffer | null {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64url') : null
}

function onCurve(publicKey: Buffer): boolean {
  try {
    ECDH.convertKey(publicKey, 'prime256v1')
    return true
  } catch {
    return false
  }
}
