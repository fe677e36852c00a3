import type { FastifyPluginAsync } from 'fastify'
import type { Registry } from 'prom-client'

/** Service endpoints (docs/api.md §8): liveness, readiness, Prometheus metrics, the OpenAPI document. */
export function serviceRoutes(readiness: () => Promise<string | null>, metrics: Registry): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } }
    app.get('/healthz', hide, async () => ({ status: 'ok' }))
    app.get('/readyz', hide, async (_request, reply) => {
      const problem = await readiness()
      return problem === null ? { status: 'ok' } : reply.code(503).send({ detail: problem })
    })
    app.get('/metrics', hide, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()))
    app.get('/api/schema/', hide, async () => app.swagger())
  }
}
