import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { linkTo, paginate } from '../../core/http/pagination.js'
import { pathId } from '../../core/http/path-id.js'
import { messageSchemas } from './chat-schemas.js'
import type { ChatService } from './chat-service.js'
import type { MessageChanges } from './message-changes.js'

const CURSOR_LIMIT = 50
const MAX_CURSOR_LIMIT = 500

/** Messages of one thread (docs/api.md §4): read, send, edit, delete, mark read. */
export function messageRoutes(chat: ChatService, changes: MessageChanges): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/chat/:uuid/message/', { schema: messageSchemas.list }, async (request) => {
      const { after, before } = request.query
      if (after === undefined && before === undefined) {
        return paginate(request, request.query, async (limit, offset) => {
          const { count, messages: results } = await chat.listMessages(request.caller, request.params.uuid, { limit, offset })
          return { count, results }
        })
      }

      const limit = Math.min(request.query.limit ?? CURSOR_LIMIT, MAX_CURSOR_LIMIT)
      const page = await chat.listMessages(request.caller, request.params.uuid, { afterId: after, beforeId: before, limit })
      const first = page.messages[0]
      const last = page.messages.at(-1)
      return {
        count: page.count,
        next: page.hasNext && last ? linkTo(request, { after: last.id, before: undefined, limit }) : null,
        previous: page.hasPrevious && first ? linkTo(request, { before: first.id, after: undefined, limit }) : null,
        results: page.messages,
      }
    })

    app.post('/api/chat/:uuid/message/', { schema: messageSchemas.create }, async (request, reply) => {
      const { message, created } = await chat.sendMessage(request.caller, request.params.uuid, request.body)
      return reply.code(created ? 201 : 200).send(message)
    })

    app.patch('/api/chat/:uuid/message/:id/', { schema: messageSchemas.edit }, async (request) =>
      changes.editMessage(request.caller, request.params.uuid, pathId(request.params.id), request.body.content),
    )

    app.delete('/api/chat/:uuid/message/:id/', { schema: messageSchemas.delete }, async (request, reply) => {
      await changes.deleteMessage(request.caller, request.params.uuid, pathId(request.params.id))
      return reply.code(204).send(null)
    })

    app.post('/api/chat/:uuid/read/', { schema: messageSchemas.read }, async (request) =>
      chat.markRead(request.caller, request.params.uuid, request.body.up_to),
    )
  }
}
