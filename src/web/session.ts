import type { Network } from '../core/vfx/address.js'
import { ApiError, VfxChatClient, type Challenge, type Session } from '../sdk/client.js'
import { VfxSigner } from '../sdk/signer.js'

const STORAGE_KEY = 'vfx-chat.session'

/**
 * The API client of a signed-in page. Any 401 means the token is gone (revoked elsewhere,
 * expired), so it ends the session instead of leaving the page half signed in.
 */
export class WebClient extends VfxChatClient {
  constructor(
    session: Session,
    readonly onUnauthorized: () => void,
  ) {
    super(location.origin, session.token)
    this.address = session.address
  }

  override async exchange<T>(...args: Parameters<VfxChatClient['exchange']>) {
    try {
      return await super.exchange<T>(...args)
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.onUnauthorized()
      throw error
    }
  }
}

/**
 * Signs a challenge with the key, in the page: the key is never sent, and never stored.
 * The address is derived for the server's network.
 */
export async function signInWithKey(privateKeyHex: string, network: Network): Promise<Session> {
  const signer = VfxSigner.fromPrivateKey(privateKeyHex.trim(), { network })
  return saveSession(await new VfxChatClient(location.origin).signIn(signer))
}

/** The text the person's wallet is to sign for `address`. */
export function requestChallenge(address: string): Promise<Challenge> {
  return new VfxChatClient(location.origin).challenge(address.trim())
}

/** Exchanges a challenge signed outside the page (by the person's VFX wallet) for a session. */
export async function signInWithSignature(challenge: Challenge, signature: string): Promise<Session> {
  const client = new VfxChatClient(location.origin)
  return saveSession(await client.issueToken(challenge.address, challenge.message, signature))
}

/** Only the token and address survive a reload (sessionStorage: this tab, until it closes). */
export function loadSession(now = Date.now()): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null
    if (session && typeof session.token === 'string' && Date.parse(session.expires_at) > now) return session
  } catch {
    // A damaged entry is the same as none.
  }
  clearSession()
  return null
}

function saveSession(session: Session): Session {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  return session
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY)
}

/** A sentence for the person in front of the page, from whatever a call threw. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return 'Too many requests; wait a moment and try again.'
    const body = error.body
    if (typeof body.detail === 'string') return body.detail
    const first = Object.values(body).flat()[0]
    if (typeof first === 'string') return first
    return `The server answered ${error.status}.`
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection.'
  return error instanceof Error ? error.message : String(error)
}
