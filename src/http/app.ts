import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import websocket from '@fastify/websocket'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from '../config.js'
import { RateLimited } from '../domain/errors.js'
import type { StreamHub } from '../realtime/stream-hub.js'
import type { AuthService } from '../service/auth-service.js'
import type { ChatService } from '../service/chat-service.js'
import type { ShopService } from '../service/shop-service.js'
import { authenticateWith } from './authenticate.js'
import './decorations.js'
import { errorHandler, registerFallbacks } from './errors.js'
import { installMetrics } from './metrics.js'
import { RequestLog } from './request-log.js'
import { authRoutes } from './routes/auth.js'
import { messageRoutes } from './routes/messages.js'
import { serviceRoutes } from './routes/service.js'
import { shopRoutes } from './routes/shops.js'
import { streamRoutes } from './routes/stream.js'
import { DOCS_CSP, registerSecurity, serverOptions } from './security.js'
import { threadRoutes } from './routes/threads.js'
import { sharedSchemas } from './schemas.js'
import { acceptJsonBodies, schemaController } from './validation.js'
import { webClient } from './web.js'

export interface AppServices {
  auth: AuthService
  chat: ChatService
  shops: ShopService
  streams: StreamHub
  /** Resolves when the database answers; backs /readyz. */
  ready: () => Promise<void>
}

export const BODY_LIMIT = 64 * 1024

/**
 * The HTTP application: external plugins first, then the contract's routes, then the 404/405
 * fallbacks. It listens nowhere; `startServer` does.
 */
export async function buildApp(config: Config, services: AppServices): Promise<FastifyInstance> {
  const app = Fastify({
    ...serverOptions(config),
    logger: loggerOptions(config),
    logController: new RequestLog(),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    // Unknown keys, __proto__ and constructor included, are dropped rather than refused.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // While draining, late requests on open connections are still served (each answer then
    // closes its connection, see server.ts) rather than refused in a shape outside the contract.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    schemaController,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)
  app.decorate('auth', services.auth)
  app.decorate('chat', services.chat)
  app.decorate('shops', services.shops)
  app.decorate('streams', services.streams)
  // Before @fastify/websocket's own preClose, so sockets close with 1001 and SSE streams end.
  app.addHook('preClose', async () => services.streams.close())
  app.decorate('authenticate', authenticateWith(services.auth))
  app.setErrorHandler(errorHandler)
  acceptJsonBodies(app)
  for (const schema of sharedSchemas) app.addSchema(schema)

  const routes = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return
    const methods = routes.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    routes.set(route.url, methods)
  })

  const metrics = installMetrics(app)
  await registerSecurity(app)
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      maxAge: 600,
    })
  }
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
  })
  await app.register(swagger, {
    openapi: {
      info: { title: 'vfx-chat', version: '1', description: 'Chat for the VFX marketplace; see API.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `schema-${i}`) },
  })
  await app.register(websocket, { options: { maxPayload: BODY_LIMIT } })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP })

  await app.register(authRoutes)
  await app.register(shopRoutes)
  await app.register(threadRoutes)
  await app.register(messageRoutes)
  await app.register(streamRoutes)
  await app.register(serviceRoutes(services.ready, metrics))
  await app.register(webClient)
  registerFallbacks(app, routes)
  return app
}

function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    // Credentials never reach the log: no headers are logged, and token query parameters are cut.
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: request.url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]'),
        ip: request.ip,
      }),
    },
  }
}
