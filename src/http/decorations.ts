import type { FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import type { StreamHub } from '../realtime/stream-hub.js'
import type { StreamSlots } from '../realtime/stream-slots.js'
import type { AuthService } from '../service/auth-service.js'
import type { ChatService } from '../service/chat-service.js'
import type { ShopService } from '../service/shop-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    auth: AuthService
    chat: ChatService
    shops: ShopService
    /** Routes bus events to this process's streams and long polls. */
    streams: StreamHub
    /** Open streams per address and per IP (MAX_STREAMS_PER_ADDRESS, MAX_STREAMS_PER_IP). */
    streamSlots: StreamSlots
    authenticate: (request: FastifyRequest) => Promise<void>
  }
}
