import type { FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import type { StreamHub } from '../realtime/stream-hub.js'
import type { StreamSlots } from '../limits/stream-slots.js'
import type { Authenticator } from './authenticate.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** Routes bus events to this process's streams and long polls. */
    streams: StreamHub
    /** Open streams per address and per IP (MAX_STREAMS_PER_ADDRESS, MAX_STREAMS_PER_IP). */
    streamSlots: StreamSlots
    /** Checks a bearer token, for routes that take it from somewhere else than the header. */
    authenticator: Authenticator
    /** onRequest hook: the route needs a signed-in caller (`Authorization: Bearer`). */
    authenticate: (request: FastifyRequest) => Promise<void>
  }
}
