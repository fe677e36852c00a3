import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordedChatEvent } from '../../../src/features/chat/index.js'
import { FAN_OUT } from '../../../src/features/notifications/index.js'
import { NOT_FOUND, raw, TIME } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

const DEFAULTS = { push: true, email: true, webhooks: true, previews: false, quiet_hours: null, digest_after_minutes: 15 }
// 12:00 UTC on the manual clock's first day: 13:00 in Berlin.
const BERLIN_LUNCH = { start: '12:30', end: '14:00', time_zone: 'Europe/Berlin' }

forEachEngine((engine) => {
  let server: TestServer
  const clock = new ManualClock()
  const recorded: RecordedChatEvent[] = []
  let failOnce = 'flaky'
  beforeAll(async () => {
    server = await startTestServer({}, { engine, clock })
    // A channel that hears of everything: every event is recorded, and fanned out to it.
    server.notifications.addChannel({
      listens: async () => true,
      async plan(event) {
        recorded.push(event)
        if (event.type === 'message' && event.data.content === failOnce) {
          failOnce = ''
          throw new Error('a channel failed')
        }
        return undefined
      },
      wake() {},
      erase: async () => {},
    })
  })
  afterAll(() => server.destroy())

  describe('/api/notifications/preferences/', () => {
    it('answers the defaults, then keeps each change and leaves the other fields alone', async () => {
      const alice = await server.signIn()
      expect((await raw(server, 'GET', '/api/notifications/preferences/', { token: alice.token })).json).toEqual(DEFAULTS)
      const changed = await raw(server, 'PATCH', '/api/notifications/preferences/', {
        token: alice.token,
        body: { push: false, previews: true, quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Europe/Berlin' } },
      })
      const expected = { ...DEFAULTS, push: false, previews: true, quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Europe/Berlin' } }
      expect({ status: changed.status, body: changed.json }).toEqual({ status: 200, body: expected })
      await raw(server, 'PATCH', '/api/notifications/preferences/', { token: alice.token, body: { digest_after_minutes: 60 } })
      expect((await raw(server, 'GET', '/api/notifications/preferences/', { token: alice.token })).json).toEqual({ ...expected, digest_after_minutes: 60 })
      await raw(server, 'PATCH', '/api/notifications/preferences/', { token: alice.token, body: { quiet_hours: null } })
      expect((await raw(server, 'GET', '/api/notifications/preferences/', { token: alice.token })).json).toMatchObject({ quiet_hours: null, push: false })
    })

    it('refuses bad values with 400 on the field, and changes nothing', async () => {
      const alice = await server.signIn()
      for (const [body, field] of [
        [{ push: 'yes' }, 'push'],
        [{ digest_after_minutes: 0 }, 'digest_after_minutes'],
        [{ digest_after_minutes: 1441 }, 'digest_after_minutes'],
        [{ quiet_hours: { start: '24:00', end: '07:00', time_zone: 'UTC' } }, 'quiet_hours'],
        [{ quiet_hours: { start: '22:00', end: '22:00', time_zone: 'UTC' } }, 'quiet_hours'],
        [{ quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Mars/Olympus_Mons' } }, 'quiet_hours'],
      ] as const) {
        const answer = await raw(server, 'PATCH', '/api/notifications/preferences/', { token: alice.token, body })
        expect(answer.status, JSON.stringify(body)).toBe(400)
        expect(Object.keys(answer.json as object), JSON.stringify(body)).toEqual([field])
      }
      expect((await raw(server, 'GET', '/api/notifications/preferences/', { token: alice.token })).json).toEqual(DEFAULTS)
    })

    it('needs a signed-in caller', async () => {
      expect((await raw(server, 'GET', '/api/notifications/preferences/')).status).toBe(401)
      expect((await raw(server, 'PATCH', '/api/notifications/preferences/', { body: { push: false } })).status).toBe(401)
    })
  })

  describe('/api/notifications/mutes/', () => {
    it('mutes a thread for ever or until a time, lists the mutes, and unmutes (204, then 404)', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
      const forever = await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, { token: alice.token, body: {} })
      expect({ status: forever.status, body: forever.json }).toEqual({
        status: 200,
        body: { thread: thread.uuid, until: null, created_at: expect.stringMatching(TIME) },
      })
      const until = new Date(clock.now() + 3_600_000).toISOString()
      const later = await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, { token: alice.token, body: { until } })
      expect(later.json).toEqual({ ...(forever.json as object), until })
      expect((await raw(server, 'GET', '/api/notifications/mutes/', { token: alice.token })).json).toEqual({
        count: 1,
        next: null,
        previous: null,
        results: [later.json],
      })
      // Bob's own list is his: Alice's mute is not in it (read through the SDK).
      expect(await bob.listMutes()).toMatchObject({ count: 0, results: [] })
      expect((await raw(server, 'DELETE', `/api/notifications/mutes/${thread.uuid}/`, { token: alice.token })).status).toBe(204)
      const again = await raw(server, 'DELETE', `/api/notifications/mutes/${thread.uuid}/`, { token: alice.token })
      expect({ status: again.status, body: again.json }).toEqual({ status: 404, body: { detail: 'This thread is not muted.' } })
    })

    it("answers 404 for a thread the caller is not in, and 400 for a time in the past", async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
      const outsider = await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, { token: carol.token, body: {} })
      expect({ status: outsider.status, body: outsider.json }).toEqual({ status: 404, body: NOT_FOUND })
      const past = await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, {
        token: alice.token,
        body: { until: new Date(clock.now() - 1000).toISOString() },
      })
      expect({ status: past.status, body: past.json }).toEqual({ status: 400, body: { until: ['Must be in the future.'] } })
      const notADate = await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, { token: alice.token, body: { until: 'tomorrow' } })
      expect(notADate.status).toBe(400)
    })
  })

  describe('what reaches whom', () => {
    it('leaves out who turned the channel off, muted the thread, or declined it; quiet hours say from when', async () => {
      const [alice, bob, carol, dave] = await Promise.all([server.signIn(), server.signIn(), server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address, carol.address, dave.address] })
      await raw(server, 'PATCH', '/api/notifications/preferences/', { token: bob.token, body: { push: false } })
      await raw(server, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, { token: carol.token, body: {} })
      await raw(server, 'PATCH', '/api/notifications/preferences/', { token: dave.token, body: { quiet_hours: BERLIN_LUNCH, previews: true } })
      await alice.sendMessage(thread.uuid, { content: 'hello' })
      const hello = () => recorded.find((e) => e.type === 'message' && e.data.content === 'hello')
      await expect.poll(hello, { timeout: 5_000 }).toBeDefined()
      const message = hello()!
      const everyone = [alice.address, bob.address, carol.address, dave.address]
      const push = await server.notifications.reach('push', message, everyone)
      // 13:00 in Berlin is inside 12:30–14:00: Dave is reached at 14:00 Berlin, 13:00 UTC.
      expect(push).toEqual([
        { address: alice.address, notBefore: null, previews: false },
        { address: dave.address, notBefore: Date.parse('2026-01-01T13:00:00.000Z'), previews: true },
      ])
      // Bob turned push off only: e-mail still reaches him.
      expect((await server.notifications.reach('email', message, [bob.address])).map((r) => r.address)).toEqual([bob.address])
    })
  })

  describe('recorded chat events', () => {
    it('records a new thread, each new message and each moved read marker once, with the thread and who did it', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'first' })
      const { message } = await bob.sendMessage(thread.uuid, { content: 'second', client_id: 'once' })
      // A replayed send is no new message.
      await bob.sendMessage(thread.uuid, { content: 'second', client_id: 'once' })
      await alice.markRead(thread.uuid)
      await alice.markRead(thread.uuid)
      const ofThread = () => recorded.filter((e) => (e.type === 'message' ? e.data.thread_uuid : e.data.uuid) === thread.uuid)
      await expect.poll(() => ofThread().length, { timeout: 5_000 }).toBe(4)
      const [created, first, second, read] = ofThread()
      const where = { thread: { id: expect.any(Number), shop_id: null } }
      expect(created).toEqual({ type: 'thread', recipients: [alice.address, bob.address], data: { uuid: thread.uuid, action: 'created' }, actor: alice.address, ...where })
      expect(first).toMatchObject({ type: 'message', actor: alice.address, data: { content: 'first', sender: alice.address }, ...where })
      expect(second).toMatchObject({ type: 'message', actor: bob.address, recipients: [alice.address, bob.address], data: { id: message.id, content: 'second' } })
      expect(read).toMatchObject({ type: 'read', actor: alice.address, data: { uuid: thread.uuid, address: alice.address, last_read_id: message.id } })
      // Each event once: none comes again later.
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(ofThread()).toHaveLength(4)
    })

    it('fans an event out again when a channel failed on it, once its lease has run out', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
      await alice.sendMessage(thread.uuid, { content: 'flaky' })
      const tries = () => recorded.filter((e) => e.type === 'message' && e.data.content === 'flaky').length
      await expect.poll(tries, { timeout: 5_000 }).toBe(1)
      clock.advance(FAN_OUT.leaseMs)
      server.notifications.wake()
      await expect.poll(tries, { timeout: 5_000 }).toBe(2)
    })
  })
})
