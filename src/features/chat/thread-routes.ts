import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Forbidden, Invalid } from '../../core/errors.js'
import { parseTimestamp } from '../../core/time.js'
import { MessageWatch } from '../../core/realtime/message-watch.js'
import { linkTo, paginate } from '../../core/http/pagination.js'
import { messageSchemas, threadSchemas } from './chat-schemas.js'
import type { ChatService } from './chat-service.js'

const NEW_MESSAGES_LIMIT = 100
const MAX_LIMIT = 500

/** Threads (docs/api.md §4); every route needs a signed-in caller and sees only the caller's threads. */
export function threadRoutes(chat: ChatService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/chat/', { schema: threadSchemas.list }, async (request) => {
      const { address, shop_id, shop_url, consent } = request.query
      if (address !== undefined && address !== request.caller) throw new Forbidden('You can only list your own threads.')
      const filter = { shopId: shop_id, shopUrl: shop_url?.toLowerCase(), consent }
      return paginate(request, request.query, async (limit, offset) => {
        const { count, threads: results } = await chat.listThreads(request.caller, filter, limit, offset)
        return { count, results }
      })
    })

    app.post('/api/chat/', { schema: threadSchemas.create }, async (request, reply) => {
      const { thread, created } = await chat.createThread(request.caller, request.body)
      return reply.code(created ? 201 : 200).send(thread)
    })

    app.get('/api/chat/lookup/', { schema: threadSchemas.lookup }, async (request) => {
      const participants = request.query.participants.split(',').map((address) => address.trim())
      return chat.lookup(request.caller, participants, request.query.shop_id ?? null)
    })

    app.get('/api/chat/new-messages/', { schema: messageSchemas.newMessages }, async (request, reply) => {
      const { address, since, after_id, wait = 0 } = request.query
      const sinceTime = since === undefined ? undefined : parseTimestamp(since)
      if (since !== undefined && sinceTime === undefined) {
        throw new Invalid('since', 'Datetime has wrong format. Use RFC 3339, e.g. 2024-01-01T12:00:00Z.')
      }
      const limit = Math.min(request.query.limit ?? NEW_MESSAGES_LIMIT, MAX_LIMIT)
      const query = () => chat.newMessages(request.caller, address, { afterId: after_id, since: sinceTime }, limit)
      // Long poll: watching starts before the first query, so a message committed in between still wakes it.
      const watch = wait > 0 ? new MessageWatch(app.streams, request.caller) : undefined
      reply.raw.once('close', () => watch?.stop())
      let found
      try {
        found = await query()
        const deadline = Date.now() + wait * 1000
        while (found.count === 0 && watch && (await watch.next(deadline - Date.now()))) found = await query()
      } finally {
        watch?.stop()
      }
      const { count, messages: results } = found
      const last = results.at(-1)
      // `next` continues by id, which loses nothing even when timestamps tie.
      return { count, next: last && count > results.length ? linkTo(request, { after_id: last.id }) : null, results }
    })

    app.get('/api/chat/:uuid/', { schema: threadSchemas.detail }, async (request) =>
      chat.threadDetail(request.caller, request.params.uuid),
    )

    app.patch('/api/chat/:uuid/', { schema: threadSchemas.update }, async (request) =>
      chat.updateThread(request.caller, request.params.uuid, request.body),
    )

    app.post('/api/chat/:uuid/accept/', { schema: threadSchemas.accept }, async (request) =>
      chat.accept(request.caller, request.params.uuid),
    )

    app.post('/api/chat/:uuid/decline/', { schema: threadSchemas.decline }, async (request) =>
      chat.decline(request.caller, request.params.uuid),
    )

    app.delete('/api/chat/:uuid/', { schema: threadSchemas.delete }, async (request, reply) => {
      await chat.deleteThread(request.caller, request.params.uuid)
      return reply.code(204).send(null)
    })
  }
}
