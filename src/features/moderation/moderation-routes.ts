import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { pathId } from '../../core/http/path-id.js'
import { paginate } from '../../core/http/pagination.js'
import { moderationSchemas } from './moderation-schemas.js'
import type { ModerationService } from './moderation-service.js'

/**
 * Reports and moderation (docs/api.md §12): any participant reports a thread; everything under
 * /api/moderation/ is for operators only, refused before the body is even looked at.
 */
export function moderationRoutes(moderation: ModerationService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const moderator = async (request: FastifyRequest) => moderation.checkModerator(request.caller)
    const operatorOnly = [app.authenticate, moderator]

    app.post(
      '/api/chat/:uuid/reports/',
      { schema: moderationSchemas.report, onRequest: app.authenticate },
      async (request, reply) => reply.code(201).send(await moderation.report(request.caller, request.params.uuid, request.body)),
    )

    app.get('/api/moderation/reports/', { schema: moderationSchemas.listReports, onRequest: operatorOnly }, async (request) =>
      paginate(request, request.query, (limit, offset) => moderation.listReports(request.caller, request.query.status, limit, offset)),
    )

    app.get('/api/moderation/reports/:id/', { schema: moderationSchemas.reportDetail, onRequest: operatorOnly }, async (request) =>
      moderation.reportDetail(request.caller, pathId(request.params.id)),
    )

    app.post('/api/moderation/reports/:id/resolve/', { schema: moderationSchemas.resolve, onRequest: operatorOnly }, async (request) =>
      moderation.resolve(request.caller, pathId(request.params.id), request.body.resolution),
    )

    app.post(
      '/api/moderation/messages/:id/remove/',
      { schema: moderationSchemas.removeMessage, onRequest: operatorOnly },
      async (request, reply) => {
        await moderation.removeMessage(request.caller, pathId(request.params.id), request.body.reason)
        return reply.code(204).send(null)
      },
    )

    app.post('/api/moderation/suspensions/', { schema: moderationSchemas.suspend, onRequest: operatorOnly }, async (request, reply) =>
      reply.code(201).send(await moderation.suspend(request.caller, request.body)),
    )

    app.get('/api/moderation/suspensions/', { schema: moderationSchemas.listSuspensions, onRequest: operatorOnly }, async (request) =>
      paginate(request, request.query, (limit, offset) => moderation.listSuspensions(request.caller, limit, offset)),
    )

    app.delete(
      '/api/moderation/suspensions/:address/',
      { schema: moderationSchemas.lift, onRequest: operatorOnly },
      async (request, reply) => {
        await moderation.lift(request.caller, request.params.address)
        return reply.code(204).send(null)
      },
    )

    app.get('/api/moderation/audit/', { schema: moderationSchemas.audit, onRequest: operatorOnly }, async (request) =>
      paginate(request, request.query, (limit, offset) => moderation.auditLog(request.caller, limit, offset)),
    )
  }
}
