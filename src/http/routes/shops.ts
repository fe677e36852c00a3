import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFound } from '../../domain/errors.js'
import { paginate } from '../pagination.js'
import { shops } from '../schemas.js'

/** Shops (API.md §6): a public directory; changes by the owner only. */
export const shopRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/shop/', { schema: shops.list }, async (request) => {
    return paginate(request, request.query, async (limit, offset) => {
      const { count, shops: results } = await app.shops.list(request.query.search, limit, offset)
      return { count, results }
    })
  })

  app.post('/api/shop/', { schema: shops.create, onRequest: app.authenticate }, async (request, reply) => {
    return reply.code(201).send(await app.shops.create(request.caller, request.body))
  })

  app.get('/api/shop/:id/', { schema: shops.detail }, async (request) => app.shops.get(shopId(request.params.id)))

  app.patch('/api/shop/:id/', { schema: shops.update, onRequest: app.authenticate }, async (request) =>
    app.shops.update(request.caller, shopId(request.params.id), request.body),
  )

  app.delete('/api/shop/:id/', { schema: shops.delete, onRequest: app.authenticate }, async (request, reply) => {
    await app.shops.delete(request.caller, shopId(request.params.id))
    return reply.code(204).send(null)
  })
}

/** A path id that is not a positive integer names no shop. */
function shopId(text: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 2_147_483_647) throw new NotFound()
  return Number(text)
}
