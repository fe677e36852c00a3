import cors from '@fastify/cors'
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import type { Config } from '../config.js'
import { RateLimited } from '../errors.js'
import type { TSchema } from '@sinclair/typebox'
import type { StreamSlots } from '../limits/stream-slots.js'
import type { StreamHub } from '../realtime/stream-hub.js'
import { authenticateWith, type Authenticator } from './authenticate.js'
import './decorations.js'
import { errorHandler, registerFallbacks } from './error-response.js'
import { installMetrics, type GaugeSource } from './metrics.js'
import { RequestLog } from './request-log.js'
import { coreSchemas } from './schemas.js'
import { DOCS_CSP, registerSecurity, serverOptions } from './security.js'
import { serviceRoutes } from './service-routes.js'
import { acceptJsonBodies, schemaController } from './validation.js'
import { webClient } from './web-client.js'

/** What a feature brings to the app: its routes, and the shapes they reference by `$id`. */
export interface FeatureRoutes {
  readonly routes: FastifyPluginAsync
  readonly schemas?: readonly TSchema[]
}

export interface AppParts {
  /** Checks bearer tokens for every route that needs a signed-in caller. */
  authenticator: Authenticator
  streams: StreamHub
  /** Null when the node can serve, else what it lacks (the database, the event bus); backs /readyz. */
  readiness: () => Promise<string | null>
  features: readonly FeatureRoutes[]
  /** Open streams per address and IP: this process's, or the cluster's (RedisLimits). */
  streamSlots: StreamSlots
  /** Where the sign-in limit counts: the cluster's store (RedisLimits), or this process when absent. */
  rateLimitStore?: FastifyRateLimitStoreCtor
  /** Gauges /metrics shows besides the request histogram: whether the bus and the shared limits are up. */
  gauges?: readonly GaugeSource[]
}

export const BODY_LIMIT = 64 * 1024

/**
 * The HTTP application shell: external plugins first, then each feature's routes, then the
 * 404/405 fallbacks. It listens nowhere; `startServer` does.
 */
export async function buildApp(config: Config, parts: AppParts): Promise<FastifyInstance> {
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
  app.decorate('streams', parts.streams)
  // Before @fastify/websocket's own preClose, so sockets close with 1001 and SSE streams end.
  app.addHook('preClose', async () => parts.streams.close())
  app.decorate('authenticator', parts.authenticator)
  app.decorate('authenticate', authenticateWith(parts.authenticator))
  app.setErrorHandler(errorHandler)
  acceptJsonBodies(app)
  for (const schema of [...coreSchemas, ...parts.features.flatMap((feature) => feature.schemas ?? [])]) app.addSchema(schema)

  const routes = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return
    const methods = routes.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    routes.set(route.url, methods)
  })

  const metrics = installMetrics(app, parts.gauges)
  await registerSecurity(app, parts.streamSlots)
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
    store: parts.rateLimitStore,
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
  })
  await app.register(swagger, {
    openapi: {
      info: { title: 'vfx-chat', version: '1', description: 'Chat for the VFX marketplace; see docs/api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `schema-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP })

  for (const feature of parts.features) await app.register(feature.routes)
  await app.register(serviceRoutes(parts.readiness, metrics))
  await app.register(webClient)
  registerFallbacks(app, routes)
  return app
}

function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    // Credentials never reach the log: no headers are logged, and the query's token and a
    // download URL's signature (a capability while it lasts) are cut.
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: request.url.replace(/([?&](?:token|signature)=)[^&]*/gi, '$1[redacted]'),
        ip: request.ip,
      }),
    },
  }
}
