import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyContextConfig } from 'fastify'
import { authSchemas } from './auth-schemas.js'
import type { AuthService } from './auth-service.js'

/** Sign-in (docs/api.md §2): challenge → signed challenge → bearer token; logout revokes it. */
export function authRoutes(auth: AuthService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Sign-in calls are limited per IP (RATE_LIMIT_SIGNIN a minute; 0 turns it off).
    const perIp: FastifyContextConfig =
      app.config.rateLimitSignin > 0 ? { rateLimit: { max: app.config.rateLimitSignin, timeWindow: 60_000 } } : {}

    app.post('/api/auth/challenge/', { schema: authSchemas.challenge, config: perIp }, async (request) =>
      auth.challenge(request.body.address),
    )

    app.post('/api/auth/token/', { schema: authSchemas.token, config: perIp }, async (request) => {
      const { address, message, signature } = request.body
      return auth.issueToken(address, message, signature)
    })

    app.delete('/api/auth/token/', { schema: authSchemas.logout, onRequest: app.authenticate }, async (request, reply) => {
      await auth.revoke(request.caller, request.token)
      return reply.code(204).send(null)
    })
  }
}
