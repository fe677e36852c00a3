import type { FastifyRequest } from 'fastify'
import { Unauthorized } from '../domain/errors.js'
import type { AuthService } from '../service/auth-service.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in VFX address; set by `authenticate`. */
    caller: string
    /** The bearer token this request came with, for logout and stream expiry. */
    token: string
    tokenExpiresAt: string
  }
}

/** The bearer token of a request: `Authorization: Bearer …`, undefined when absent. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new Unauthorized('Invalid Authorization header: expected "Bearer <token>".')
  return match[1]
}

/** The onRequest hook for routes that need a signed-in caller; `tokenOf` finds the token. */
export function authenticateWith(auth: AuthService, tokenOf: (request: FastifyRequest) => string | undefined = bearerToken) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = tokenOf(request)
    if (token === undefined) throw new Unauthorized('Authentication credentials were not provided.')
    const session = await auth.authenticate(token)
    request.caller = session.address
    request.token = token
    request.tokenExpiresAt = session.expiresAt
  }
}
