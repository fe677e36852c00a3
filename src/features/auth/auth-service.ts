import { REVOKED_EVENT, type EventBus, type RevokedEventData } from '../../core/bus/event-bus.js'
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { base64urlnopad } from '@scure/base'
import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, Invalid, Unauthorized } from '../../core/errors.js'
import type { SignedIn } from '../../core/http/authenticate.js'
import { secretHash } from '../../core/secret-hash.js'
import { isValidAddress, type Network } from '../../core/vfx/address.js'
import { verifySignature } from '../../core/vfx/signature.js'
import type { AuthRepository } from './auth-repository.js'
import type { Challenge, Session } from './auth-schemas.js'
import { SessionCache } from './session-cache.js'

export const CHALLENGE_TTL_SECONDS = 300

export interface AuthServiceOptions {
  network: Network
  /** Seconds a token stays valid. */
  tokenTtl: number
  clock: Clock
  /** Carries the end of sessions to every node's streams. */
  bus: EventBus
  /** Whether an address is barred from signing in (moderation); nobody is when absent. */
  isSuspended?: SuspensionCheck
}

/** The port through which auth asks whether an address is suspended, knowing nothing of moderation. */
export type SuspensionCheck = (address: string) => Promise<boolean>

/**
 * Sign-in by wallet signature (docs/api.md §2). Challenges and tokens live in the database, so a
 * token issued by one node works, and stops working, on every node. Only hashes are stored.
 */
export class AuthService {
  readonly #repository: AuthRepository
  readonly #options: AuthServiceOptions
  readonly #sessions: SessionCache

  constructor(repository: AuthRepository, options: AuthServiceOptions) {
    this.#repository = repository
    this.#options = options
    this.#sessions = new SessionCache(options.bus, () => options.clock.now())
  }

  async challenge(address: string): Promise<Challenge> {
    this.#checkAddress(address)
    const expiresAt = timestamp(this.#options.clock, CHALLENGE_TTL_SECONDS * 1000)
    // One line without "/": a VFX wallet signs it at GET /api/V1/CreateSignature/{message}/{address},
    // where it must travel as one URL path segment.
    const message = [
      'Sign in to VFX Chat',
      `Address: ${address}`,
      `Nonce: ${bytesToHex(randomBytes(16))}`,
      `Expires: ${expiresAt}`,
    ].join(' | ')
    await this.#repository.saveChallenge(secretHash(message), address, expiresAt)
    return { address, message, expires_at: expiresAt }
  }

  async issueToken(address: string, message: string, signature: string): Promise<Session> {
    this.#checkAddress(address)
    // The signature is checked before the challenge is spent, so a forged attempt cannot
    // burn the owner's challenge.
    if (!verifySignature(address, message, signature, this.#options.network)) {
      throw new Unauthorized('Invalid signature.')
    }
    if (!(await this.#repository.consumeChallenge(secretHash(message), address, timestamp(this.#options.clock)))) {
      throw new Unauthorized('This challenge was not issued for this address, has expired, or was already used.')
    }
    const token = base64urlnopad.encode(randomBytes(32))
    const expiresAt = timestamp(this.#options.clock, this.#options.tokenTtl * 1000)
    await this.#repository.saveToken(secretHash(token), address, expiresAt)
    // Checked after the save: a suspension committed meanwhile either shows here or deletes
    // this token with the address's others, so no token outlives it.
    if (await this.#options.isSuspended?.(address)) {
      await this.#repository.deleteToken(secretHash(token))
      throw new Forbidden('This address is suspended.')
    }
    return { token, address, expires_at: expiresAt }
  }

  /** The address a bearer token belongs to; Unauthorized when it is unknown, expired or revoked. */
  async authenticate(token: string): Promise<SignedIn> {
    if (token.length > 128) throw new Unauthorized('Invalid or expired token.')
    const tokenHash = secretHash(token)
    const now = timestamp(this.#options.clock)
    let found = this.#sessions.find(tokenHash, now)
    if (!found) {
      const epoch = this.#sessions.epoch
      found = await this.#repository.findToken(tokenHash, now)
      if (!found) throw new Unauthorized('Invalid or expired token.')
      this.#sessions.keep(tokenHash, found, epoch)
    }
    return { address: found.address, expiresAt: found.expires_at }
  }

  /**
   * Signs a token out: it stops working on every node before this returns (their caches hear
   * it through the bus), and the streams opened with it close.
   */
  async revoke(address: string, token: string): Promise<void> {
    const tokenHash = secretHash(token)
    await this.#repository.deleteToken(tokenHash)
    await this.#options.bus.publish({ type: REVOKED_EVENT, recipients: [address], data: { token_hash: tokenHash } satisfies RevokedEventData })
    await this.#options.bus.flush()
  }

  /**
   * Ends every session of the address at once: its tokens stop working, and the streams opened
   * with them close on every node the bus reaches (a suspension, an erased account).
   */
  async revokeAll(address: string): Promise<void> {
    for (const tokenHash of await this.#repository.deleteTokensOf(address)) {
      await this.#options.bus.publish({ type: REVOKED_EVENT, recipients: [address], data: { token_hash: tokenHash } satisfies RevokedEventData })
    }
    await this.#options.bus.flush()
  }

  async purgeExpired(): Promise<void> {
    await this.#repository.purgeExpired(timestamp(this.#options.clock))
  }

  #checkAddress(address: string): void {
    if (!isValidAddress(address, this.#options.network)) {
      throw new Invalid('address', `Enter a valid VFX ${this.#options.network} address.`)
    }
  }
}
