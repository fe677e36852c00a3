import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { paginate } from '../../core/http/pagination.js'
import { pathId } from '../../core/http/path-id.js'
import { webhookSchemas } from './webhook-schemas.js'
import type { WebhookService } from './webhook-service.js'

/** The caller's webhook endpoints and their delivery logs (docs/api.md §15.2). */
export function webhookRoutes(webhooks: WebhookService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.post('/api/webhooks/', { schema: webhookSchemas.create }, async (request, reply) =>
      reply.code(201).send(await webhooks.create(request.caller, request.body)),
    )

    app.get('/api/webhooks/', { schema: webhookSchemas.list }, async (request) =>
      paginate(request, request.query, async (limit, offset) => {
        const { count, endpoints } = await webhooks.list(request.caller, limit, offset)
        return { count, results: endpoints }
      }),
    )

    app.get('/api/webhooks/:id/', { schema: webhookSchemas.get }, async (request) => webhooks.get(request.caller, request.params.id))

    app.patch('/api/webhooks/:id/', { schema: webhookSchemas.update }, async (request) =>
      webhooks.update(request.caller, request.params.id, request.body),
    )

    app.delete('/api/webhooks/:id/', { schema: webhookSchemas.delete }, async (request, reply) => {
      await webhooks.delete(request.caller, request.params.id)
      return reply.code(204).send(null)
    })

    app.post('/api/webhooks/:id/rotate-secret/', { schema: webhookSchemas.rotateSecret }, async (request) =>
      webhooks.rotateSecret(request.caller, request.params.id),
    )

    app.post('/api/webhooks/:id/test/', { schema: webhookSchemas.test }, async (request, reply) =>
      reply.code(202).send(await webhooks.test(request.caller, request.params.id)),
    )

    app.get('/api/webhooks/:id/deliveries/', { schema: webhookSchemas.deliveries }, async (request) =>
      paginate(request, request.query, async (limit, offset) => {
        const { count, deliveries } = await webhooks.deliveries(request.caller, request.params.id, limit, offset)
        return { count, results: deliveries }
      }),
    )

    app.post('/api/webhooks/:id/deliveries/:delivery/retry/', { schema: webhookSchemas.redeliver }, async (request, reply) =>
      reply.code(202).send(await webhooks.redeliver(request.caller, request.params.id, pathId(request.params.delivery))),
    )
  }
}
