import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webPush from 'web-push'
import { expectError, raw, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { PushEndpoint } from '../../helpers/push-endpoint.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

const TIME = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)

forEachEngine((engine) => {
  let server: TestServer
  let service: PushEndpoint
  beforeAll(async () => {
    // A public push service's endpoint looks like this one, but on a public host over https.
    server = await startTestServer({}, { engine })
    service = await PushEndpoint.start()
  })
  afterAll(async () => {
    await server.destroy()
    await service.close()
  })

  const publicSubscription = (name: string) => ({ ...service.subscribe(name), endpoint: `https://push.example.com/send/${name}` })

  describe('GET /api/notifications/push/key/', () => {
    it('answers the VAPID public key to anyone, a P-256 point in base64url', async () => {
      const answer = await raw(server, 'GET', '/api/notifications/push/key/')
      expect(answer.status).toBe(200)
      const { public_key } = answer.json as { public_key: string }
      expect(Buffer.from(public_key, 'base64url')).toHaveLength(65)
    })

    it('is made once: a restart, and two nodes starting at once on a database without one, end with one key pair', async () => {
      const { public_key: first } = await (await server.signIn()).pushKey()
      const again = await startTestServer({ DATABASE_URL: server.databaseUrl })
      await expect((await again.signIn()).pushKey()).resolves.toEqual({ public_key: first })
      await again.close()

      await withDatabase(server, (db) => db.deleteFrom('notification_keys').execute())
      const nodes = await Promise.all([startTestServer({ DATABASE_URL: server.databaseUrl }), startTestServer({ DATABASE_URL: server.databaseUrl })])
      const keys = await Promise.all(nodes.map(async (node) => (await raw(node, 'GET', '/api/notifications/push/key/')).json))
      await Promise.all(nodes.map((node) => node.close()))
      expect(keys[0]).toEqual(keys[1])
      expect(keys[0]).not.toEqual({ public_key: first })
      const stored = await withDatabase(server, (db) => db.selectFrom('notification_keys').selectAll().execute())
      expect(stored).toEqual([{ name: 'vapid', value: expect.stringContaining((keys[0] as { public_key: string }).public_key) }])
    })

    it('is the configured pair when VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are given', async () => {
      const pair = webPush.generateVAPIDKeys()
      const configured = await startTestServer({ VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey }, { engine })
      expect((await raw(configured, 'GET', '/api/notifications/push/key/')).json).toEqual({ public_key: pair.publicKey })
      await configured.destroy()
    })
  })

  describe('POST /api/notifications/push/subscriptions/', () => {
    it('keeps a browser for the caller and answers it without its keys', async () => {
      const bob = await server.signIn()
      const subscription = publicSubscription('bob')
      const answer = await raw(server, 'POST', '/api/notifications/push/subscriptions/', {
        token: bob.token,
        body: { ...subscription, expirationTime: null },
        headers: { 'user-agent': 'Mozilla/5.0 TestBrowser' },
      })
      expect({ status: answer.status, body: answer.json }).toEqual({
        status: 201,
        body: { id: expect.any(Number), endpoint: subscription.endpoint, user_agent: 'Mozilla/5.0 TestBrowser', created_at: TIME, last_used_at: null },
      })
      expect(answer.text).not.toContain(subscription.keys.auth)
      expect((await bob.listPushSubscriptions()).results).toEqual([answer.json])
    })

    it('moves a browser to whoever subscribes it last: one endpoint, one owner', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const subscription = publicSubscription('shared')
      await alice.subscribePush(subscription)
      await bob.subscribePush(subscription)
      expect((await alice.listPushSubscriptions()).count).toBe(0)
      expect((await bob.listPushSubscriptions()).results.map((kept) => kept.endpoint)).toEqual([subscription.endpoint])
    })

    it('refuses what no push service could be: 400 on the field', async () => {
      const bob = await server.signIn()
      const good = publicSubscription('good')
      const refused = {
        'not a URL': [{ ...good, endpoint: 'push me' }, { endpoint: ['Enter a valid URL.'] }],
        'plain http': [{ ...good, endpoint: 'http://push.example.com/send/1' }, { endpoint: ['A push endpoint must be an https URL.'] }],
        'this machine': [{ ...good, endpoint: 'https://127.0.0.1:9/send/1' }, { endpoint: ['A push endpoint must be on a public host.'] }],
        'a private network': [{ ...good, endpoint: 'https://[fd00::1]/send/1' }, { endpoint: ['A push endpoint must be on a public host.'] }],
        localhost: [{ ...good, endpoint: 'https://localhost/send/1' }, { endpoint: ['A push endpoint must be on a public host.'] }],
        'a NUL byte': [{ ...good, endpoint: 'https://push.example.com/send/\u0000' }, { endpoint: [expect.any(String)] }],
        credentials: [{ ...good, endpoint: 'https://user:secret@push.example.com/send/1' }, { endpoint: ['A push endpoint carries no credentials.'] }],
        'a short key': [{ ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } }, { keys: ['p256dh must be an uncompressed P-256 public key, base64url (65 bytes).'] }],
        'a point off the curve': [{ ...good, keys: { ...good.keys, p256dh: `BA${'A'.repeat(85)}` } }, { keys: ['p256dh must be an uncompressed P-256 public key, base64url (65 bytes).'] }],
        'a short auth secret': [{ ...good, keys: { ...good.keys, auth: 'AAAA' } }, { keys: ['auth must be 16 bytes, base64url.'] }],
        'auth not base64url': [{ ...good, keys: { ...good.keys, auth: '!!!!!!!!!!!!!!!!!!!!!!' } }, { keys: ['auth must be 16 bytes, base64url.'] }],
        'no keys': [{ endpoint: good.endpoint }, { keys: [expect.any(String)] }],
        'keys of the wrong type': [{ ...good, keys: 'p256dh' }, { keys: [expect.any(String)] }],
      } as const
      for (const [name, [body, errors]] of Object.entries(refused)) {
        const answer = await raw(server, 'POST', '/api/notifications/push/subscriptions/', { token: bob.token, body })
        expect({ name, status: answer.status, body: answer.json }).toEqual({ name, status: 400, body: errors })
      }
      expect((await bob.listPushSubscriptions()).count).toBe(0)
    })

    it('needs a signed-in caller', async () => {
      const answer = await raw(server, 'POST', '/api/notifications/push/subscriptions/', { body: publicSubscription('nobody') })
      expect(answer.status).toBe(401)
    })
  })

  describe('DELETE /api/notifications/push/subscriptions/', () => {
    it("forgets the caller's browser by its endpoint; another's, or one forgotten already, is 404", async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const subscription = publicSubscription('leaving')
      await bob.subscribePush(subscription)
      await expectError(alice.unsubscribePush(subscription.endpoint), 404, { detail: 'No subscription of yours has this endpoint.' })
      const nul = await raw(server, 'DELETE', '/api/notifications/push/subscriptions/', { token: bob.token, body: { endpoint: 'https://push.example.com/\u0000' } })
      expect({ status: nul.status, body: nul.json }).toEqual({ status: 400, body: { endpoint: [expect.any(String)] } })
      await bob.unsubscribePush(subscription.endpoint)
      expect((await bob.listPushSubscriptions()).count).toBe(0)
      await expectError(bob.unsubscribePush(subscription.endpoint), 404, { detail: 'No subscription of yours has this endpoint.' })
    })
  })

  describe('erasing an account', () => {
    it("removes the person's subscriptions", async () => {
      const bob = await server.signIn()
      await bob.subscribePush(publicSubscription('erased'))
      const address = bob.address
      await bob.eraseAccount(address)
      const left = await withDatabase(server, (db) => db.selectFrom('push_subscriptions').select('id').where('address', '=', address).execute())
      expect(left).toEqual([])
    })
  })
})
