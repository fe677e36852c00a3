import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { paginate } from '../../core/http/pagination.js'
import { notificationSchemas } from './notification-schemas.js'
import type { NotificationService } from './notification-service.js'

/** The caller's notification preferences and muted threads (docs/api.md §15). */
export function notificationRoutes(notifications: NotificationService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/notifications/preferences/', { schema: notificationSchemas.preferences }, async (request) =>
      notifications.preferences(request.caller),
    )

    app.patch('/api/notifications/preferences/', { schema: notificationSchemas.updatePreferences }, async (request) =>
      notifications.updatePreferences(request.caller, request.body),
    )

    app.get('/api/notifications/mutes/', { schema: notificationSchemas.mutes }, async (request) =>
      paginate(request, request.query, async (limit, offset) => {
        const { count, mutes } = await notifications.mutes(request.caller, limit, offset)
        return { count, results: mutes }
      }),
    )

    app.put('/api/notifications/mutes/:uuid/', { schema: notificationSchemas.mute }, async (request) =>
      notifications.mute(request.caller, request.params.uuid, request.body.until ?? null),
    )

    app.delete('/api/notifications/mutes/:uuid/', { schema: notificationSchemas.unmute }, async (request, reply) => {
      await notifications.unmute(request.caller, request.params.uuid)
      return reply.code(204).send(null)
    })
  }
}
