import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { base64urlnopad } from '@scure/base'
import { isValidAddress, type Network } from '../domain/address.js'
import { Invalid, Unauthorized } from '../domain/errors.js'
import { verifySignature } from '../domain/signature.js'
import type { ChatStore } from '../store/chat-store.js'

export const CHALLENGE_TTL_SECONDS = 300

export interface AuthServiceOptions {
  network: Network
  /** Seconds a token stays valid. */
  tokenTtl: number
}

/**
 * Sign-in by wallet signature (API.md §2). Challenges and tokens live in the database, so a
 * token issued by one node works, and stops working, on every node. Only hashes are stored.
 */
export class AuthService {
  readonly #store: ChatStore
  readonly #options: AuthServiceOptions

  constructor(store: ChatStore, options: AuthServiceOptions) {
    this.#store = store
    this.#options = options
  }

  async challenge(address: string) {
    this.#checkAddress(address)
    const expiresAt = secondsFromNow(CHALLENGE_TTL_SECONDS)
    const message = [
      'Sign in to VFX Chat',
      `Address: ${address}`,
      `Nonce: ${bytesToHex(randomBytes(16))}`,
      `Expires: ${expiresAt}`,
    ].join('\n')
    await this.#store.saveChallenge(hash(message), address, expiresAt)
    return { address, message, expires_at: expiresAt }
  }

  async issueToken(address: string, message: string, signature: string) {
    this.#checkAddress(address)
    // The signature is checked before the challenge is spent, so a forged attempt cannot
    // burn the owner's challenge.
    if (!verifySignature(address, message, signature, this.#options.network)) {
      throw new Unauthorized('Invalid signature.')
    }
    if (!(await this.#store.consumeChallenge(hash(message), address, new Date().toISOString()))) {
      throw new Unauthorized('This challenge was not issued for this address, has expired, or was already used.')
    }
    const token = base64urlnopad.encode(randomBytes(32))
    const expiresAt = secondsFromNow(this.#options.tokenTtl)
    await this.#store.saveToken(tokenHash(token), address, expiresAt)
    return { token, address, expires_at: expiresAt }
  }

  /** The address a bearer token belongs to; Unauthorized when it is unknown, expired or revoked. */
  async authenticate(token: string): Promise<{ address: string; expiresAt: string }> {
    const found = token.length <= 128 ? await this.#store.findToken(tokenHash(token), new Date().toISOString()) : undefined
    if (!found) throw new Unauthorized('Invalid or expired token.')
    return { address: found.address, expiresAt: found.expires_at }
  }

  async revoke(token: string): Promise<void> {
    await this.#store.deleteToken(tokenHash(token))
  }

  async purgeExpired(): Promise<void> {
    await this.#store.purgeExpired(new Date().toISOString())
  }

  #checkAddress(address: string): void {
    if (!isValidAddress(address, this.#options.network)) {
      throw new Invalid('address', `Enter a valid VFX ${this.#options.network} address.`)
    }
  }
}

/** How a token is stored, and how streams name the session they were opened with. */
export function tokenHash(token: string): string {
  return hash(token)
}

function hash(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)))
}

function secondsFromNow(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString()
}
