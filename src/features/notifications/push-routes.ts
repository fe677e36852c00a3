import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { paginate } from '../../core/http/pagination.js'
import { pushSchemas } from './push-schemas.js'
import type { PushService } from './push-service.js'

/** The VAPID key and the caller's browsers' push subscriptions (docs/api.md §15.3). */
export function pushRoutes(push: PushService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Public by nature: every push carries it to the push service.
    app.get('/api/notifications/push/key/', { schema: pushSchemas.key }, async () => push.publicKey())

    app.post('/api/notifications/push/subscriptions/', { schema: pushSchemas.subscribe, onRequest: app.authenticate }, async (request, reply) =>
      reply.code(201).send(await push.subscribe(request.caller, request.body, request.headers['user-agent'] ?? null)),
    )

    app.get('/api/notifications/push/subscriptions/', { schema: pushSchemas.subscriptions, onRequest: app.authenticate }, async (request) =>
      paginate(request, request.query, async (limit, offset) => {
        const { count, subscriptions } = await push.subscriptions(request.caller, limit, offset)
        return { count, results: subscriptions }
      }),
    )

    app.delete('/api/notifications/push/subscriptions/', { schema: pushSchemas.unsubscribe, onRequest: app.authenticate }, async (request, reply) => {
      await push.unsubscribe(request.caller, request.body.endpoint)
      return reply.code(204).send(null)
    })
  }
}
