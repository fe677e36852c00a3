import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { accountSchemas } from './account-schemas.js'
import type { AccountService } from './account-service.js'

/** The caller's own account (docs/api.md §13): export it, erase it. */
export function accountRoutes(account: AccountService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/me/export/', { schema: accountSchemas.export }, async (request) => account.export(request.caller))

    app.delete('/api/me/', { schema: accountSchemas.erase }, async (request, reply) => {
      await account.erase(request.caller, request.body.confirm)
      return reply.code(204).send(null)
    })
  }
}
