import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import websocket from '@fastify/websocket'
import type { FastifyRequest } from 'fastify'
import { SseStream } from './sse-stream.js'
import type { StreamContext, StreamSession } from './stream-connection.js'
import { acceptWebSocket } from './websocket-sign-in.js'
import { UNAUTHORIZED } from './ws-stream.js'
import type { Clock } from '../../core/clock.js'
import { BODY_LIMIT } from '../../core/http/app.js'
import { authenticateWith, bearerToken } from '../../core/http/authenticate.js'
import type { ChatService } from '../chat/index.js'
import { streamSchemas } from './stream-schemas.js'

/** Real-time (docs/api.md §9): the caller's events over Server-Sent Events and WebSocket. */
export function streamRoutes(chat: ChatService, clock: Clock): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Here, not on the whole app: the plugin's hooks would otherwise run on every request.
    await app.register(websocket, { options: { maxPayload: BODY_LIMIT } })
    const context: StreamContext = {
      hub: app.streams,
      chat,
      bufferBytes: app.config.streamBufferBytes,
      heartbeatMs: app.config.streamHeartbeat * 1000,
      clock,
      log: app.log,
    }
    // EventSource cannot set headers, so the SSE stream also takes ?token= (the logger cuts it).
    // The query is not validated yet when onRequest runs: a repeated ?token= is an array.
    const headerOrQueryToken = (request: FastifyRequest) => {
      const { token } = request.query as { token?: unknown }
      return bearerToken(request) ?? (typeof token === 'string' ? token : undefined)
    }

    app.get(
      '/api/chat/stream/',
      // No HEAD: a stream has no head without its endless body, and a HEAD one would hang open.
      { schema: streamSchemas.events, onRequest: authenticateWith(app.authenticator, headerOrQueryToken), exposeHeadRoute: false },
      async (request, reply) => {
        reply.hijack()
        const afterId = request.headers['last-event-id'] ?? request.query.after_id
        SseStream.open(reply.raw, reply.getHeaders() as OutgoingHttpHeaders, context, sessionOf(request), afterId)
      },
    )

    app.route({
      method: 'GET',
      url: '/api/chat/ws/',
      schema: streamSchemas.socket,
      handler: async (_request, reply) =>
        reply.code(426).header('upgrade', 'websocket').send({ detail: 'Upgrade Required: connect with a WebSocket.' }),
      wsHandler: (socket, request) => {
        let token: string | undefined
        try {
          token = bearerToken(request)
        } catch {
          return socket.close(UNAUTHORIZED, 'Invalid Authorization header.')
        }
        acceptWebSocket(socket, token, app.authenticator, context, { afterId: request.query.after_id, slots: app.streamSlots })
      },
    })
  }
}

function sessionOf(request: FastifyRequest): StreamSession {
  return { address: request.caller, token: request.token, expiresAt: request.tokenExpiresAt }
}
