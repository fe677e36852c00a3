import type { FastifyRequest } from 'fastify'
import { Unauthorized } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in VFX address; set by `authenticate`. */
    caller: string
    /** The bearer token this request came with, for logout and stream expiry. */
    token: string
    tokenExpiresAt: string
  }
}

/** Who a bearer token signs in, and until when. */
export interface SignedIn {
  address: string
  expiresAt: string
}

/** Checks a bearer token (the auth feature does); rejects with Unauthorized. */
export type Authenticator = (token: string) => Promise<SignedIn>

/** The bearer token of a request: `Authorization: Bearer …`, undefined when absent. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new Unauthorized('Invalid Authorization header: expected "Bearer <token>".')
  return match[1]
}

/** The onRequest hook for routes that need a signed-in caller; `tokenOf` finds the token. */
export function authenticateWith(authenticator: Authenticator, tokenOf: (request: FastifyRequest) => string | undefined = bearerToken) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = tokenOf(request)
    if (token === undefined) throw new Unauthorized('Authentication credentials were not provided.')
    const session = await authenticator(token)
    request.caller = session.address
    request.token = token
    request.tokenExpiresAt = session.expiresAt
  }
}
