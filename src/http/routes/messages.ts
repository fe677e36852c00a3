import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { linkTo, paginate } from '../pagination.js'
import { messages } from '../schemas.js'

const CURSOR_LIMIT = 50
const MAX_CURSOR_LIMIT = 500

/** Messages of one thread (API.md §4): read, send, mark read. */
export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get('/api/chat/:uuid/message/', { schema: messages.list }, async (request) => {
    const { after, before } = request.query
    if (after === undefined && before === undefined) {
      return paginate(request, request.query, async (limit, offset) => {
        const { count, messages: results } = await app.chat.listMessages(request.caller, request.params.uuid, { limit, offset })
        return { count, results }
      })
    }

    const limit = Math.min(request.query.limit ?? CURSOR_LIMIT, MAX_CURSOR_LIMIT)
    const { thread, count, messages: results } = await app.chat.listMessages(request.caller, request.params.uuid, {
      afterId: after,
      beforeId: before,
      limit,
    })
    const first = results[0]
    const last = results.at(-1)
    const [hasNext, hasPrevious] = await Promise.all([
      last ? app.chat.hasMessagesBeyond(thread.id, last.id, 'after') : false,
      first ? app.chat.hasMessagesBeyond(thread.id, first.id, 'before') : false,
    ])
    return {
      count,
      next: hasNext && last ? linkTo(request, { after: last.id, before: undefined, limit }) : null,
      previous: hasPrevious && first ? linkTo(request, { before: first.id, after: undefined, limit }) : null,
      results,
    }
  })

  app.post('/api/chat/:uuid/message/', { schema: messages.create }, async (request, reply) => {
    const { message, created } = await app.chat.sendMessage(request.caller, request.params.uuid, request.body)
    return reply.code(created ? 201 : 200).send(message)
  })

  app.post('/api/chat/:uuid/read/', { schema: messages.read }, async (request) =>
    app.chat.markRead(request.caller, request.params.uuid, request.body.up_to),
  )
}
