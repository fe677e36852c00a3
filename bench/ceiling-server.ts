import Fastify from 'fastify'

// The machine's HTTP limit: Fastify with nothing behind it, one small JSON body per request.
// Same framework and Node as the service, no logging, no database.
const app = Fastify({ logger: false })
const body = { status: 'ok', service: 'ceiling' }
app.get('/healthz', async () => body)
app.get('/', async () => body)
// The same, after keeping the CPU busy for `micros` µs, as a service's own work would: the
// HTTP layer's cost at a service's request rate, which is not its cost at the ceiling's rate.
app.get<{ Querystring: { micros?: string } }>('/paced', async (request) => {
  const until = performance.now() + Number(request.query.micros ?? 0) / 1000
  while (performance.now() < until);
  return body
})
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
