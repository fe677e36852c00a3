import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyContextConfig } from 'fastify'
import { auth } from '../schemas.js'

/** Sign-in (API.md §2): challenge → signed challenge → bearer token; logout revokes it. */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Sign-in calls are limited per IP (RATE_LIMIT_SIGNIN a minute; 0 turns it off).
  const perIp: FastifyContextConfig =
    app.config.rateLimitSignin > 0 ? { rateLimit: { max: app.config.rateLimitSignin, timeWindow: 60_000 } } : {}

  app.post('/api/auth/challenge/', { schema: auth.challenge, config: perIp }, async (request) =>
    app.auth.challenge(request.body.address),
  )

  app.post('/api/auth/token/', { schema: auth.token, config: perIp }, async (request) => {
    const { address, message, signature } = request.body
    return app.auth.issueToken(address, message, signature)
  })

  app.delete('/api/auth/token/', { schema: auth.logout, onRequest: app.authenticate }, async (request, reply) => {
    await app.auth.revoke(request.token)
    app.streams.revoke(request.caller, request.token)
    return reply.code(204).send(null)
  })
}
