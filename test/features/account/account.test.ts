import { createECDH, randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/core/config.js'
import type { Attachment } from '../../../src/features/attachments/index.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError, raw, TIME, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { png } from '../attachments/pictures.js'
import { openSse } from '../streams/clients.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const DAY_MS = 86_400_000

/** Uploads a small picture to the thread as `client`; send it with a message's `attachments`. */
async function uploadPicture(server: TestServer, client: Client, uuid: string, name = 'photo.png'): Promise<Attachment> {
  const response = await fetch(`${server.url}/api/chat/${uuid}/attachments/?name=${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}` },
    body: new Uint8Array(await png()),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Attachment
}

async function exportOf(server: TestServer, client: Client) {
  const answer = await raw(server, 'GET', '/api/me/export/', { token: client.token })
  expect(answer.status).toBe(200)
  return answer.json as {
    address: string
    exported_at: string
    threads: { uuid: string; last_message: string | null; messages: { content: string; sender: string; attachments: unknown[] }[] }[]
    messages_sent: number
    shops: unknown[]
    blocks: unknown[]
    attachments: unknown[]
  }
}

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  describe('GET /api/me/export/', () => {
    it("holds exactly the caller's data: their threads with every message, shops, blocks and uploads, and nobody else's", async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      const stranger = VfxSigner.generate().address
      const shop = await alice.createShop({ name: 'Alice sells', url: `vfx://${randomUUID()}` })
      await carol.createShop({ name: 'Carol sells', url: `vfx://${randomUUID()}` })
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'm0' })
      // More than one page of messages (500), sent in order.
      for (let batch = 1; batch < 520; batch += 20) {
        const sender = batch % 40 === 1 ? bob : alice
        for (let i = batch; i < batch + 20; i++) await sender.sendMessage(thread.uuid, { content: `m${i}` })
      }
      const picture = await uploadPicture(server, alice, thread.uuid)
      await alice.sendMessage(thread.uuid, { content: '', attachments: [picture.id] })
      await uploadPicture(server, bob, thread.uuid, 'bobs.png')
      await bob.createThread({ participants: [bob.address, carol.address], initial_message: 'not for alice' })
      await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: stranger } })
      await raw(server, 'POST', '/api/blocks/', { token: carol.token, body: { address: alice.address } })
      await alice.updateNotificationPreferences({ previews: true })
      await Promise.all([alice.muteThread(thread.uuid), bob.muteThread(thread.uuid)])
      const hook = await raw(server, 'POST', '/api/webhooks/', { token: alice.token, body: { url: 'https://hooks.example.com/vfx', events: ['message.created'] } })
      const browser = await alice.subscribePush(pushSubscription())

      const data = await exportOf(server, alice)
      expect(data).toEqual({
        address: alice.address,
        exported_at: expect.stringMatching(TIME),
        threads: [expect.objectContaining({ uuid: thread.uuid, participants: [alice.address, bob.address], last_message: 'Photo' })],
        messages_sent: 262,
        shops: [shop],
        blocks: [{ address: stranger, created_at: expect.stringMatching(TIME) }],
        attachments: [{ id: picture.id, name: 'photo.png', content_type: 'image/png', size: picture.size, created_at: expect.stringMatching(TIME) }],
        // Without the webhook's secret or the browser's keys: what was shown once stays so.
        notifications: {
          preferences: { push: true, email: true, webhooks: true, previews: true, quiet_hours: null, digest_after_minutes: 15 },
          mutes: [{ thread: thread.uuid, until: null, created_at: expect.stringMatching(TIME) }],
          webhooks: [Object.fromEntries(Object.entries(hook.json as object).filter(([key]) => key !== 'secret'))],
          push_subscriptions: [browser],
          email: null,
        },
      })
      const messages = data.threads[0]!.messages
      expect(messages.map((m) => m.content)).toEqual([...Array.from({ length: 521 }, (_, i) => `m${i}`), ''])
      expect(messages.at(-1)?.attachments).toEqual([expect.objectContaining({ id: picture.id })])
    })

    it('needs a signed-in caller', async () => {
      expect((await raw(server, 'GET', '/api/me/export/')).status).toBe(401)
    })
  })

  describe('DELETE /api/me/', () => {
    it('is what the SDK’s exportAccount and eraseAccount call', async () => {
      const alice = await server.signIn()
      expect(await alice.exportAccount()).toMatchObject({ address: alice.address, threads: [], messages_sent: 0 })
      const token = alice.token
      await alice.eraseAccount(alice.address)
      expect(alice.token).toBeNull()
      expect((await raw(server, 'GET', '/api/chat/', { token })).status).toBe(401)
    })

    it("refuses a confirm that is not an address with 400 on confirm, and someone else's address with 403; erases nothing", async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'keep me' })
      for (const confirm of ['', alice.address.toLowerCase(), `${alice.address} `]) {
        const answer = await raw(server, 'DELETE', '/api/me/', { token: alice.token, body: { confirm } })
        expect({ status: answer.status, body: answer.json }).toEqual({ status: 400, body: { confirm: ['Enter your own address to confirm.'] } })
      }
      const someoneElse = await raw(server, 'DELETE', '/api/me/', { token: alice.token, body: { confirm: bob.address } })
      expect({ status: someoneElse.status, body: someoneElse.json }).toEqual({ status: 403, body: { detail: 'You can only erase your own account.' } })
      expect((await raw(server, 'DELETE', '/api/me/', { token: alice.token, body: {} })).status).toBe(400)
      expect((await alice.getThread(thread.uuid)).messages.map((m) => m.content)).toEqual(['keep me'])
    })

    it('tombstones the caller’s messages where they stand: the other participant keeps the thread; shops, blocks and uploads go', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await alice.createShop({ name: 'Closing', url: `vfx://${randomUUID()}` })
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'my secret' })
      const picture = await uploadPicture(server, alice, thread.uuid)
      await alice.sendMessage(thread.uuid, { content: 'see this', attachments: [picture.id] })
      await bob.sendMessage(thread.uuid, { content: 'nice' })
      await alice.sendMessage(thread.uuid, { content: 'bye' })
      await uploadPicture(server, alice, thread.uuid, 'unsent.png')
      await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })

      await alice.updateNotificationPreferences({ push: false })
      await alice.muteThread(thread.uuid)
      await raw(server, 'POST', '/api/webhooks/', { token: alice.token, body: { url: 'https://hooks.example.com/vfx', events: ['message.created'] } })
      await alice.subscribePush(pushSubscription())
      const erased = await raw(server, 'DELETE', '/api/me/', { token: alice.token, body: { confirm: alice.address } })
      expect({ status: erased.status, body: erased.text }).toEqual({ status: 204, body: '' })

      const seen = await bob.getThread(thread.uuid)
      expect(seen.messages.map((m) => [m.sender, m.content, m.attachments, m.deleted_by])).toEqual([
        [alice.address, '', [], 'sender'],
        [alice.address, '', [], 'sender'],
        [bob.address, 'nice', [], null],
        [alice.address, '', [], 'sender'],
      ])
      expect((await bob.listThreads()).results).toEqual([expect.objectContaining({ uuid: thread.uuid, last_message: 'Message deleted' })])
      expect((await raw(server, 'GET', `/api/shop/${shop.id}/`)).status).toBe(404)
      expect((await raw(server, 'GET', picture.url)).status).toBe(404)
      // Signing in again finds nothing of hers but the tombstones she sent; asking again changes nothing.
      const again = await server.signIn(alice.signer)
      expect(await exportOf(server, again)).toEqual({
        address: alice.address,
        exported_at: expect.stringMatching(TIME),
        threads: [],
        messages_sent: 3,
        shops: [],
        blocks: [],
        attachments: [],
        notifications: {
          preferences: { push: true, email: true, webhooks: true, previews: false, quiet_hours: null, digest_after_minutes: 15 },
          mutes: [],
          webhooks: [],
          push_subscriptions: [],
          email: null,
        },
      })
      expect((await raw(server, 'DELETE', '/api/me/', { token: again.token, body: { confirm: alice.address } })).status).toBe(204)
      expect((await bob.getThread(thread.uuid)).messages.map((m) => m.content)).toEqual(['', '', 'nice', ''])
      // Bob may write to her address again: her block went with her account.
      await expect(bob.sendMessage(thread.uuid, { content: 'still there?' })).resolves.toMatchObject({ created: true })
    })

    it('revokes every token of the caller at once (401 after) and ends their open streams', async () => {
      const signer = VfxSigner.generate()
      const [phone, laptop] = [await server.signIn(signer), await server.signIn(signer)]
      const stream = await openSse(server.url, { token: phone.token! })
      expect(stream.response.statusCode).toBe(200)

      expect((await raw(server, 'DELETE', '/api/me/', { token: laptop.token, body: { confirm: signer.address } })).status).toBe(204)
      await stream.ended
      for (const client of [phone, laptop]) {
        await expectError(client.listThreads(), 401, { detail: expect.any(String) })
      }
      expect((await raw(server, 'DELETE', '/api/me/', { token: laptop.token, body: { confirm: signer.address } })).status).toBe(401)
    })

    it('does nothing, and keeps messages, when MESSAGE_RETENTION_DAYS is off (0, the default)', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'kept' })
      expect(await server.account.applyRetention()).toBe(0)
      expect((await bob.getThread(thread.uuid)).messages.map((m) => m.content)).toEqual(['kept'])
    })
  })

  describe('MESSAGE_RETENTION_DAYS', () => {
    const clock = new ManualClock(Date.now())
    let retaining: TestServer
    beforeAll(async () => {
      retaining = await startTestServer({ MESSAGE_RETENTION_DAYS: '30', TOKEN_TTL: '31536000' }, { engine, clock })
    })
    afterAll(() => retaining.destroy())

    it('deletes messages past the limit with their attachments, keeps newer ones, and keeps every thread summary consistent', async () => {
      const [alice, bob, carol] = await Promise.all([retaining.signIn(), retaining.signIn(), retaining.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'old 1' })
      const picture = await uploadPicture(retaining, alice, thread.uuid)
      await alice.sendMessage(thread.uuid, { content: 'old 2', attachments: [picture.id] })
      const { thread: quiet } = await carol.createThread({ participants: [carol.address, bob.address], initial_message: 'long ago' })
      clock.advance(20 * DAY_MS)
      await alice.sendMessage(thread.uuid, { content: 'recent' })
      expect((await bob.listThreads()).results.find((t) => t.uuid === thread.uuid)?.unread_count).toBe(3)

      clock.advance(11 * DAY_MS)
      expect(await retaining.account.applyRetention()).toBe(3)
      expect(await retaining.account.applyRetention()).toBe(0)

      expect((await bob.getThread(thread.uuid)).messages.map((m) => m.content)).toEqual(['recent'])
      const inbox = await bob.listThreads()
      expect(inbox.results.map((t) => [t.uuid, t.last_message, t.unread_count])).toEqual([
        [thread.uuid, 'recent', 1],
        [quiet.uuid, null, 0],
      ])
      expect((await carol.getThread(quiet.uuid)).messages).toEqual([])
      // A message page's count follows the deletions (it is kept with the thread, not counted on read).
      expect((await bob.listMessages(thread.uuid, { page_size: 10 })).count).toBe(1)
      expect((await carol.listMessages(quiet.uuid, { page_size: 10 })).count).toBe(0)
      expect((await bob.newMessages()).results.map((m) => m.content)).toEqual(['recent'])
      expect((await raw(retaining, 'GET', picture.url)).status).toBe(404)
      const stored = await withDatabase(retaining, (db) => db.selectFrom('attachments').select('public_id').where('public_id', '=', picture.id).execute())
      expect(stored).toEqual([])
    })
  })
})

describe('MESSAGE_RETENTION_DAYS setting', () => {
  it('defaults to 0 (off) and takes 1–36500 days', () => {
    expect(loadConfig({}).messageRetentionDays).toBe(0)
    expect(loadConfig({ MESSAGE_RETENTION_DAYS: '30' }).messageRetentionDays).toBe(30)
    for (const value of ['36501', '-1', 'soon']) expect(() => loadConfig({ MESSAGE_RETENTION_DAYS: value })).toThrow(ConfigError)
  })
})

/** A browser's PushSubscription at a public push service, with real P-256 keys. */
function pushSubscription() {
  const keys = createECDH('prime256v1')
  keys.generateKeys()
  return { endpoint: `https://push.example.com/send/${randomUUID()}`, keys: { p256dh: keys.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } }
}
