import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { pathId } from '../../core/http/path-id.js'
import { paginate } from '../../core/http/pagination.js'
import { shopSchemas } from './shop-schemas.js'
import type { ShopService } from './shop-service.js'

/** Shops (docs/api.md §6): a public directory; changes by the owner only. */
export function shopRoutes(shops: ShopService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/shop/', { schema: shopSchemas.list }, async (request) => {
      return paginate(request, request.query, async (limit, offset) => {
        const { count, shops: results } = await shops.list(request.query.search, limit, offset)
        return { count, results }
      })
    })

    app.post('/api/shop/', { schema: shopSchemas.create, onRequest: app.authenticate }, async (request, reply) => {
      return reply.code(201).send(await shops.create(request.caller, request.body))
    })

    app.get('/api/shop/:id/', { schema: shopSchemas.detail }, async (request) => shops.get(pathId(request.params.id)))

    app.patch('/api/shop/:id/', { schema: shopSchemas.update, onRequest: app.authenticate }, async (request) =>
      shops.update(request.caller, pathId(request.params.id), request.body),
    )

    app.delete('/api/shop/:id/', { schema: shopSchemas.delete, onRequest: app.authenticate }, async (request, reply) => {
      await shops.delete(request.caller, pathId(request.params.id))
      return reply.code(204).send(null)
    })
  }
}
