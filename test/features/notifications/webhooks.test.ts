import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/core/config.js'
import { NOT_FOUND, raw, TIME, UUID_V4, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const HOOK = 'http://127.0.0.1:9/hook'

/** An endpoint as docs/api.md §15.2 shapes it; `fields` pins the values a test knows. */
function anEndpoint(fields: Record<string, unknown> = {}) {
  return {
    id: expect.stringMatching(UUID_V4),
    url: HOOK,
    events: ['message.created'],
    shop_id: null,
    description: '',
    enabled: true,
    disabled_at: null,
    disabled_reason: null,
    consecutive_failures: 0,
    previous_secret_expires_at: null,
    created_at: expect.stringMatching(TIME),
    ...fields,
  }
}

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: '1' }, { engine })
  })
  afterAll(() => server.destroy())

  const call = (client: Client, method: string, path: string, body?: unknown) => raw(server, method, path, { token: client.token, body })
  const register = (client: Client, body: Record<string, unknown> = {}) => call(client, 'POST', '/api/webhooks/', { url: HOOK, events: ['message.created'], ...body })

  describe('the SDK', () => {
    it('calls every webhook route: register, read, list, change, rotate, test, deliveries, delete', async () => {
      const owner = await server.signIn()
      const created = await owner.createWebhook({ url: HOOK, events: ['message.created'], description: 'Order bot' })
      expect(created).toEqual({ ...anEndpoint({ description: 'Order bot' }), secret: expect.stringMatching(/^whsec_/) })
      const { secret: _secret, ...endpoint } = created
      expect(await owner.getWebhook(created.id)).toEqual(endpoint)
      expect(await owner.listWebhooks()).toEqual({ count: 1, next: null, previous: null, results: [endpoint] })
      expect(await owner.updateWebhook(created.id, { events: ['message.created', 'thread.read'] })).toEqual({ ...endpoint, events: ['message.created', 'thread.read'] })
      const rotated = await owner.rotateWebhookSecret(created.id)
      expect(rotated.secret).not.toBe(created.secret)
      const ping = await owner.testWebhook(created.id)
      expect(ping).toMatchObject({ event_type: 'ping' })
      expect((await owner.webhookDeliveries(created.id)).results.map((delivery) => delivery.id)).toContain(ping.id)
      await owner.deleteWebhook(created.id)
      expect(await owner.listWebhooks()).toMatchObject({ count: 0 })
    })
  })

  describe('POST /api/webhooks/', () => {
    it('registers an endpoint and shows its secret in this answer only: never in a read, a list or a change', async () => {
      const owner = await server.signIn()
      const created = await register(owner, { description: 'Order bot' })
      expect(created.status).toBe(201)
      expect(created.json).toEqual({ ...anEndpoint({ description: 'Order bot' }), secret: expect.stringMatching(/^whsec_[\w-]{43}$/) })
      const { id, secret } = created.json as { id: string; secret: string }
      const reads = [
        await call(owner, 'GET', `/api/webhooks/${id}/`),
        await call(owner, 'GET', '/api/webhooks/'),
        await call(owner, 'PATCH', `/api/webhooks/${id}/`, { description: 'Renamed' }),
      ]
      for (const read of reads) {
        expect(read.status).toBe(200)
        expect(read.text).not.toContain(secret)
        expect(read.text).not.toContain('secret"')
      }
      expect(reads[1]!.json).toEqual({ count: 1, next: null, previous: null, results: [anEndpoint({ id, description: 'Order bot' })] })
    })

    it('refuses what is not a URL, credentials in it, an unknown event or none, with 400 on that field', async () => {
      const owner = await server.signIn()
      expect((await register(owner, { url: 'not a url' })).json).toEqual({ url: ['Enter a valid URL.'] })
      expect((await register(owner, { url: 'ftp://example.com/hook' })).json).toEqual({ url: ['Must be an https:// URL.'] })
      expect((await register(owner, { url: 'https://user:pw@example.com/hook' })).json).toEqual({ url: ['Must not hold a user name or password.'] })
      for (const events of [['message.deleted'], [], 'message.created', ['thread.read', 'thread.read']]) {
        const answer = await register(owner, { events })
        expect(answer.status).toBe(400)
        expect(Object.keys(answer.json as object)).toEqual(['events'])
      }
      expect((await call(owner, 'GET', '/api/webhooks/')).json).toMatchObject({ count: 0 })
    })

    it("lets only a shop's owner watch its threads: another's shop is 403, a missing shop 400 on shop_id", async () => {
      const [owner, stranger] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await owner.createShop({ name: 'Gems', url: `vfx://${randomUUID()}` })
      expect((await register(owner, { shop_id: shop.id })).json).toEqual(anEndpoint({ shop_id: shop.id, secret: expect.any(String) }))
      expect(await register(stranger, { shop_id: shop.id })).toMatchObject({ status: 403, json: { detail: "Only the shop's owner may register a webhook for its threads." } })
      expect(await register(stranger, { shop_id: 2_000_000_000 })).toMatchObject({ status: 400, json: { shop_id: ['No such shop.'] } })
    })

    it('holds at most 10 endpoints per address', async () => {
      const owner = await server.signIn()
      for (let i = 0; i < 10; i++) expect((await register(owner)).status).toBe(201)
      expect(await register(owner)).toMatchObject({ status: 400, json: { non_field_errors: ['An address may register at most 10 webhook endpoints.'] } })
    })
  })

  describe('/api/webhooks/{id}/', () => {
    it("answers another address's endpoint, and an id that names nothing, with 404 on every route", async () => {
      const [owner, stranger] = await Promise.all([server.signIn(), server.signIn()])
      const { id } = (await register(owner)).json as { id: string }
      for (const target of [id, randomUUID(), 'not-an-id']) {
        for (const [method, path] of [
          ['GET', `/api/webhooks/${target}/`],
          ['PATCH', `/api/webhooks/${target}/`],
          ['DELETE', `/api/webhooks/${target}/`],
          ['POST', `/api/webhooks/${target}/rotate-secret/`],
          ['POST', `/api/webhooks/${target}/test/`],
          ['GET', `/api/webhooks/${target}/deliveries/`],
          ['POST', `/api/webhooks/${target}/deliveries/1/retry/`],
        ] as const) {
          expect(await call(stranger, method, path, method === 'PATCH' ? {} : undefined)).toMatchObject({ status: 404, json: NOT_FOUND })
        }
      }
      expect((await call(owner, 'GET', `/api/webhooks/${id}/`)).status).toBe(200)
    })

    it('changes the URL, events and description; refuses a bad URL with 400; deletes with its log', async () => {
      const owner = await server.signIn()
      const { id } = (await register(owner)).json as { id: string }
      const changed = await call(owner, 'PATCH', `/api/webhooks/${id}/`, { url: 'http://127.0.0.1:9/other', events: ['thread.created', 'thread.read'], description: 'Sync' })
      expect(changed.json).toEqual(anEndpoint({ id, url: 'http://127.0.0.1:9/other', events: ['thread.created', 'thread.read'], description: 'Sync' }))
      expect(await call(owner, 'PATCH', `/api/webhooks/${id}/`, { url: 'gopher://x' })).toMatchObject({ status: 400, json: { url: ['Must be an https:// URL.'] } })
      expect(await call(owner, 'PATCH', `/api/webhooks/${id}/`, {})).toMatchObject({ status: 200, json: { id, description: 'Sync' } })
      expect((await call(owner, 'POST', `/api/webhooks/${id}/test/`)).status).toBe(202)
      // A ping names its endpoint in its body.
      const pings = () => withDatabase(server, (db) => db.selectFrom('webhook_deliveries').select('event_type').where('payload', 'like', `%${id}%`).execute())
      expect(await pings()).toEqual([{ event_type: 'ping' }])
      expect((await call(owner, 'DELETE', `/api/webhooks/${id}/`)).status).toBe(204)
      expect((await call(owner, 'GET', `/api/webhooks/${id}/`)).status).toBe(404)
      expect(await pings()).toEqual([])
    })

    it('disables and enables an endpoint by its owner; a disabled one takes no test event (409)', async () => {
      const owner = await server.signIn()
      const { id } = (await register(owner)).json as { id: string }
      const disabled = await call(owner, 'PATCH', `/api/webhooks/${id}/`, { enabled: false })
      expect(disabled.json).toEqual(anEndpoint({ id, enabled: false, disabled_at: expect.stringMatching(TIME), disabled_reason: 'Disabled by its owner.' }))
      expect(await call(owner, 'POST', `/api/webhooks/${id}/test/`)).toMatchObject({ status: 409, json: { detail: 'This endpoint is disabled; enable it first.' } })
      expect((await call(owner, 'PATCH', `/api/webhooks/${id}/`, { enabled: true })).json).toEqual(anEndpoint({ id }))
    })
  })

  describe('erasure', () => {
    it("removes the account's endpoints and their delivery logs", async () => {
      const owner = await server.signIn()
      const { id } = (await register(owner)).json as { id: string }
      expect((await call(owner, 'POST', `/api/webhooks/${id}/test/`)).status).toBe(202)
      expect((await call(owner, 'DELETE', '/api/me/', { confirm: owner.address })).status).toBe(204)
      const rows = await withDatabase(server, (db) => db.selectFrom('webhook_endpoints').select('id').where('owner', '=', owner.address).execute())
      expect(rows).toEqual([])
    })
  })
})


describe('WEBHOOK_* settings', () => {
  it('default to docs/api.md §7: private addresses refused, 10 s, 30 s first retry, a day of retries, 50 failures', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowPrivate: false, timeoutMs: 10_000, retryBaseMs: 30_000, retryForMs: 86_400_000, disableAfter: 50 })
  })

  it('refuse a bad value with ConfigError naming the variable', () => {
    for (const [name, value] of [
      ['WEBHOOK_ALLOW_PRIVATE', 'sometimes'],
      ['WEBHOOK_TIMEOUT_MS', '0'],
      ['WEBHOOK_RETRY_BASE_MS', 'soon'],
      ['WEBHOOK_RETRY_FOR', '0'],
      ['WEBHOOK_DISABLE_AFTER', '-1'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError)
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name)
    }
  })
})
