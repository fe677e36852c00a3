import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { paginate } from '../../core/http/pagination.js'
import { blockSchemas } from './block-schemas.js'
import type { BlockService } from './block-service.js'

/** Blocks (docs/api.md §11): the caller's own list; nobody else sees it. */
export function blockRoutes(blocks: BlockService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/blocks/', { schema: blockSchemas.list }, async (request) =>
      paginate(request, request.query, async (limit, offset) => {
        const { count, blocks: results } = await blocks.list(request.caller, limit, offset)
        return { count, results }
      }),
    )

    app.post('/api/blocks/', { schema: blockSchemas.create }, async (request, reply) => {
      const { block, created } = await blocks.block(request.caller, request.body.address)
      return reply.code(created ? 201 : 200).send(block)
    })

    app.delete('/api/blocks/:address/', { schema: blockSchemas.delete }, async (request, reply) => {
      await blocks.unblock(request.caller, request.params.address)
      return reply.code(204).send(null)
    })
  }
}
