import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  describe('GET /healthz and /readyz', () => {
    it('answer 200 while the process and the database are up, without a token', async () => {
      expect(await raw(server, 'GET', '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } })
      expect(await raw(server, 'GET', '/readyz')).toMatchObject({ status: 200, json: { status: 'ok' } })
    })
  })

  describe('GET /metrics', () => {
    it('answers Prometheus text with the request histogram, labelled by route pattern', async () => {
      const alice = await server.signIn()
      await alice.listThreads()
      const answer = await raw(server, 'GET', '/metrics')
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(answer.text).toContain('# TYPE http_request_duration_seconds histogram')
      expect(answer.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/chat\/",status="200"\} \d+/)
      expect(answer.text).not.toContain(alice.token!)
    })
  })

  describe('GET /api/schema/', () => {
    it('is an OpenAPI 3 document with the chat paths and bearer security', async () => {
      const answer = await raw(server, 'GET', '/api/schema/')
      expect(answer.status).toBe(200)
      const document = answer.json as { openapi: string; paths: Record<string, Record<string, unknown>>; components: Record<string, unknown> }
      expect(document.openapi).toMatch(/^3\./)
      for (const [path, methods] of [
        ['/api/chat/', ['get', 'post']],
        ['/api/chat/lookup/', ['get']],
        ['/api/chat/new-messages/', ['get']],
        ['/api/chat/{uuid}/', ['get', 'patch', 'delete']],
        ['/api/chat/{uuid}/message/', ['get', 'post']],
        ['/api/chat/{uuid}/read/', ['post']],
        ['/api/auth/challenge/', ['post']],
        ['/api/auth/token/', ['post', 'delete']],
        ['/api/shop/', ['get', 'post']],
        ['/api/shop/{id}/', ['get', 'patch', 'delete']],
      ] as const) {
        expect(Object.keys(document.paths[path] ?? {}).sort(), path).toEqual([...methods].sort())
      }
      expect(document.components).toMatchObject({ securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } })
      expect(document.paths['/healthz']).toBeUndefined()
    })
  })

  describe('GET /docs/', () => {
    it('serves the Swagger UI page', async () => {
      const answer = await raw(server, 'GET', '/docs/')
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/)
      expect(answer.text).toContain('swagger-ui')
    })
  })
})
