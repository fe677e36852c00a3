import Fastify from 'fastify'

// The machine's HTTP limit: Fastify with nothing behind it, one small JSON body per request.
// Same framework and Node as the service, no logging, no database.
const app = Fastify({ logger: false })
const body = { status: 'ok', service: 'ceiling' }
app.get('/healthz', async () => body)
app.get('/', async () => body)
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
