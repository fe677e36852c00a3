import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'

/**
 * SHA-256 of a secret, in hex: how tokens and challenges are stored (a leaked database yields
 * no usable one), and how a sign-out names the streams it ends.
 */
export function secretHash(secret: string): string {
  return bytesToHex(sha256(utf8ToBytes(secret)))
}
