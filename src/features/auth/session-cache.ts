import { isRevokedEvent, type EventBus } from '../../core/bus/event-bus.js'
import type { StoredToken } from './auth-repository.js'

/** Sessions this node keeps at hand: the signed-in callers of the last moments, not every token. */
const MAX_SESSIONS = 10_000
/**
 * How long an entry answers before the database is read again: a backstop for a sign-out
 * whose event Redis never took (its publish failed while the subscriptions stayed up).
 */
const ENTRY_MS = 30_000

/**
 * The tokens this node found in the database lately, so a request does not read it again.
 * A sign-out anywhere reaches every node's cache through the bus before it is answered
 * (AuthService.revoke awaits the bus's flush); while the bus is down no node can hear one, so
 * the cache is emptied and bypassed: every token is read from the database until it is back.
 */
export class SessionCache {
  readonly #bus: EventBus
  readonly #now: () => number
  readonly #sessions = new Map<string, StoredToken & { cachedAt: number }>()
  /** Moves at every revocation heard and every change of the link: a read that began before is not kept. */
  #epoch = 0

  constructor(bus: EventBus, now: () => number) {
    this.#bus = bus
    this.#now = now
    bus.subscribe((event) => {
      if (!isRevokedEvent(event)) return
      this.#epoch++
      this.#sessions.delete(event.data.token_hash)
    })
    bus.onConnection(() => {
      this.#epoch++
      this.#sessions.clear()
    })
  }

  /** The session of `tokenHash` if this node holds it and it is unexpired at `now` (RFC 3339). */
  find(tokenHash: string, now: string): StoredToken | undefined {
    if (!this.#bus.connected) return undefined
    const session = this.#sessions.get(tokenHash)
    if (session === undefined) return undefined
    if (session.expires_at > now && this.#now() - session.cachedAt < ENTRY_MS) return session
    this.#sessions.delete(tokenHash)
    return undefined
  }

  /** The epoch to hand back to `keep` with what the database answered. */
  get epoch(): number {
    return this.#epoch
  }

  /** Keeps what the database said at `epoch`, unless a revocation (or a link change) came since. */
  keep(tokenHash: string, session: StoredToken, epoch: number): void {
    if (epoch !== this.#epoch || !this.#bus.connected) return
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!)
    this.#sessions.set(tokenHash, { address: session.address, expires_at: session.expires_at, cachedAt: this.#now() })
  }
}
