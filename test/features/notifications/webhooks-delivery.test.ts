import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RecordedChatEvent } from '../../../src/features/chat/index.js'
import { aMessage, raw, TIME, UUID_V4, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { startReceiver, type Receiver } from '../../helpers/webhook-receiver.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>
interface Delivery {
  id: number
  event_id: string
  event_type: string
  status: string
  attempts: number
  next_attempt_at: string | null
  last_status_code: number | null
  last_error: string | null
}

const BASE_MS = 60_000
const SETTINGS = {
  WEBHOOK_ALLOW_PRIVATE: '1',
  WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
  WEBHOOK_RETRY_FOR: '3600',
  WEBHOOK_DISABLE_AFTER: '3',
  TOKEN_TTL: '31536000',
}
const HTTP_500 = 'HTTP 500: the endpoint did not answer 2xx.'

forEachEngine((engine) => {
  const clock = new ManualClock(Date.now())
  let server: TestServer
  let receivers: Receiver[] = []
  beforeAll(async () => {
    server = await startTestServer(SETTINGS, { engine, clock })
  })
  afterEach(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()))
    receivers = []
  })
  afterAll(() => server.destroy())

  const call = (client: Client, method: string, path: string, body?: unknown) => raw(server, method, path, { token: client.token, body })

  /** A signed-in owner with an endpoint for `events` at a receiver that trusts its secret. */
  async function hooked(events: string[] = ['message.created'], fields: Record<string, unknown> = {}, owner?: Client) {
    owner ??= await server.signIn()
    const receiver = await startReceiver({ now: () => clock.now() })
    receivers.push(receiver)
    const answer = await call(owner, 'POST', '/api/webhooks/', { url: receiver.url, events, ...fields })
    expect(answer.status).toBe(201)
    const { id, secret } = answer.json as { id: string; secret: string }
    receiver.trust(secret)
    return { owner, receiver, id, secret }
  }

  const log = async (owner: Client, id: string) => ((await call(owner, 'GET', `/api/webhooks/${id}/deliveries/`)).json as { results: Delivery[] }).results
  const endpoint = async (owner: Client, id: string) => (await call(owner, 'GET', `/api/webhooks/${id}/`)).json as Record<string, unknown>
  const ping = async (owner: Client, id: string) => (await call(owner, 'POST', `/api/webhooks/${id}/test/`)).json as Delivery
  /** The log's one delivery once `ready` holds of it. */
  const settled = (owner: Client, id: string, ready: (delivery: Delivery) => boolean) =>
    vi.waitFor(
      async () => {
        const [delivery] = await log(owner, id)
        if (!delivery || !ready(delivery)) throw new Error(`not yet: ${JSON.stringify(delivery)}`)
        return delivery
      },
      { timeout: 10_000, interval: 50 },
    )
  /**
   * Resolves once every recorded chat event has been fanned out: preferences and mutes apply
   * as they stand then, so a test changes them only after the events before have gone.
   */
  const fannedOut = () =>
    vi.waitFor(
      async () => {
        const waiting = await withDatabase(server, (db) => db.selectFrom('jobs').select('id').where('queue', '=', 'chat-events').execute())
        expect(waiting).toEqual([])
      },
      { timeout: 10_000, interval: 50 },
    )
  /** Moves time to a delivery's next attempt and lets the worker look. */
  function reach(delivery: Delivery) {
    clock.advance(Date.parse(delivery.next_attempt_at!) - clock.now())
    server.webhooks.wake()
  }

  describe('chat events', () => {
    it("reach the other participant's endpoint signed, with the event's id and type, and are logged delivered", async () => {
      const { owner: bob, receiver, id } = await hooked(['message.created', 'thread.created', 'thread.read'])
      const alice = await server.signIn()
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'Is the ring still for sale?' })
      // Bob's own reply reaches nobody's endpoint of his: he knows what he did.
      await bob.sendMessage(thread.uuid, { content: 'Yes it is.' })
      await alice.markRead(thread.uuid)
      await receiver.until((received) => received.length === 3)
      expect(receiver.verified()).toHaveLength(3)
      const byType = Object.fromEntries(receiver.received.map((entry) => [entry.event.type, entry]))
      expect(Object.keys(byType).sort()).toEqual(['message.created', 'thread.created', 'thread.read'])
      for (const [type, entry] of Object.entries(byType)) {
        expect(entry.event).toEqual({ id: expect.stringMatching(UUID_V4), type, created_at: expect.stringMatching(TIME), data: expect.any(Object) })
        expect(entry.headers).toMatchObject({ 'vfx-event-id': entry.event.id, 'vfx-event-type': type, 'content-type': 'application/json' })
      }
      expect(byType['message.created']!.event.data).toEqual(aMessage({ sender: alice.address, content: 'Is the ring still for sale?', thread_uuid: thread.uuid }))
      expect(byType['thread.created']!.event.data).toEqual({ uuid: thread.uuid, action: 'created' })
      expect(byType['thread.read']!.event.data).toMatchObject({ uuid: thread.uuid, address: alice.address })
      const delivered = await vi.waitFor(async () => {
        const all = await log(bob, id)
        if (all.some((delivery) => delivery.status !== 'delivered')) throw new Error('not yet delivered')
        return all
      })
      expect(delivered.map((delivery) => [delivery.event_type, delivery.status, delivery.attempts, delivery.last_status_code]).sort()).toEqual([
        ['message.created', 'delivered', 1, 200],
        ['thread.created', 'delivered', 1, 200],
        ['thread.read', 'delivered', 1, 200],
      ])
    })

    it('are not even recorded among people no channel reaches; one endpoint of a participant is enough', async () => {
      // A channel that listens to nothing itself, and sees every event another channel made the outbox keep.
      const kept: RecordedChatEvent[] = []
      server.notifications.addChannel({ listens: async () => false, plan: async (event) => void kept.push(event), wake() {}, erase: async () => {} })
      const [alice, carol] = await Promise.all([server.signIn(), server.signIn()])
      const quiet = await alice.createThread({ participants: [alice.address, carol.address], initial_message: 'Nobody here has a channel.' })
      await carol.markRead(quiet.thread.uuid)
      const { owner: bob, receiver } = await hooked(['message.created'])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'Bob has an endpoint.' })
      await receiver.until((received) => received.length === 1)
      await fannedOut()
      const threadOf = (event: RecordedChatEvent) => (event.type === 'message' ? event.data.thread_uuid : event.data.uuid)
      expect(kept.filter((event) => threadOf(event) === quiet.thread.uuid)).toEqual([])
      expect(kept.filter((event) => threadOf(event) === thread.uuid).map((event) => event.type).sort()).toEqual(['message', 'thread'])
    })

    it("reach an endpoint only with the events it chose, and a shop's endpoint only with its shop's threads", async () => {
      const owner = await server.signIn()
      const shop = await owner.createShop({ name: 'Gems', url: `vfx://gems-${engine}-${clock.now()}` })
      const shopHook = await hooked(['thread.created'], { shop_id: shop.id }, owner)
      const allHook = await hooked(['message.created'], {}, owner)
      const alice = await server.signIn()
      await alice.createThread({ participants: [alice.address, owner.address], initial_message: 'no shop' })
      const { thread } = await alice.createThread({ participants: [alice.address, owner.address], shop_id: shop.id, initial_message: 'about the shop' })
      // The last event reached the other endpoint: every event before it has been fanned out.
      await allHook.receiver.until((received) => received.some((entry) => entry.event.data.content === 'about the shop'))
      expect((await log(owner, shopHook.id)).map((delivery) => delivery.event_type)).toEqual(['thread.created'])
      await shopHook.receiver.until((received) => received.length === 1)
      expect(shopHook.receiver.received[0]!.event.data).toEqual({ uuid: thread.uuid, action: 'created' })
      expect((await log(owner, allHook.id)).map((delivery) => delivery.event_type)).toEqual(['message.created', 'message.created'])
    })

    it('tell nobody who turned webhooks off or muted the thread, and tell them again once they turn them back on', async () => {
      const { owner, receiver, id } = await hooked()
      const alice = await server.signIn()
      const { thread } = await alice.createThread({ participants: [alice.address, owner.address] })
      expect((await call(owner, 'PATCH', '/api/notifications/preferences/', { webhooks: false })).status).toBe(200)
      await alice.sendMessage(thread.uuid, { content: 'while off' })
      await fannedOut()
      expect((await call(owner, 'PATCH', '/api/notifications/preferences/', { webhooks: true })).status).toBe(200)
      expect((await call(owner, 'PUT', `/api/notifications/mutes/${thread.uuid}/`, {})).status).toBe(200)
      await alice.sendMessage(thread.uuid, { content: 'while muted' })
      await fannedOut()
      expect((await call(owner, 'DELETE', `/api/notifications/mutes/${thread.uuid}/`)).status).toBe(204)
      await alice.sendMessage(thread.uuid, { content: 'after' })
      await receiver.until((received) => received.length > 0)
      expect(receiver.received.map((entry) => entry.event.data.content)).toEqual(['after'])
      expect(await log(owner, id)).toHaveLength(1)
    })

    it('tell nobody of a request they declined', async () => {
      const { owner, receiver, id } = await hooked()
      expect((await call(owner, 'PATCH', '/api/consent/settings/', { message_requests: true })).status).toBe(200)
      const [stranger, friend] = await Promise.all([server.signIn(), server.signIn()])
      const { thread } = await stranger.createThread({ participants: [stranger.address, owner.address] })
      expect((await call(owner, 'POST', `/api/chat/${thread.uuid}/decline/`)).status).toBe(200)
      await stranger.sendMessage(thread.uuid, { content: 'declined' })
      // A later event that does reach the endpoint: the one before it was fanned out first.
      await friend.createThread({ participants: [friend.address, owner.address], initial_message: 'later' })
      await receiver.until((received) => received.length > 0)
      expect(receiver.received.map((entry) => entry.event.data.content)).toEqual(['later'])
      expect(await log(owner, id)).toHaveLength(1)
    })

    it("wait for the end of the owner's quiet hours", async () => {
      const { owner, receiver, id } = await hooked()
      const hhmm = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString().slice(11, 16)
      const quiet = { start: hhmm(-3_600_000), end: hhmm(3_600_000), time_zone: 'UTC' }
      expect((await call(owner, 'PATCH', '/api/notifications/preferences/', { quiet_hours: quiet })).status).toBe(200)
      const alice = await server.signIn()
      await alice.createThread({ participants: [alice.address, owner.address], initial_message: 'at night' })
      const waiting = await settled(owner, id, () => true)
      expect(waiting).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: expect.stringContaining(`T${quiet.end}:00.000Z`) })
      reach(waiting)
      await receiver.until((received) => received.length === 1)
      expect(receiver.verified()[0]!.event.data.content).toBe('at night')
    })
  })

  describe('a failing endpoint', () => {
    it('is tried again after growing, jittered waits with the same event and body, until it answers 2xx', async () => {
      const { owner, receiver, id } = await hooked()
      receiver.answerWith((_request, index) => (index < 2 ? 500 : 204))
      const sent = clock.now()
      await ping(owner, id)
      const first = await settled(owner, id, (delivery) => delivery.attempts === 1)
      expect(first).toMatchObject({ status: 'pending', last_status_code: 500, last_error: HTTP_500 })
      const firstWait = Date.parse(first.next_attempt_at!) - sent
      expect(firstWait).toBeGreaterThanOrEqual(BASE_MS / 2)
      expect(firstWait).toBeLessThanOrEqual(BASE_MS)
      expect(await endpoint(owner, id)).toMatchObject({ enabled: true, consecutive_failures: 1 })
      reach(first)
      const second = await settled(owner, id, (delivery) => delivery.attempts === 2)
      expect(Date.parse(second.next_attempt_at!) - clock.now()).toBeLessThanOrEqual(2 * BASE_MS)
      reach(second)
      expect(await settled(owner, id, (delivery) => delivery.attempts === 3)).toMatchObject({ status: 'delivered', last_status_code: 204, last_error: null, next_attempt_at: null })
      expect(new Set(receiver.received.map((entry) => entry.body)).size).toBe(1)
      expect(receiver.verified()).toHaveLength(3)
      expect(await endpoint(owner, id)).toMatchObject({ enabled: true, consecutive_failures: 0 })
    })

    it("holds up only its own deliveries while it hangs: another endpoint's go through meanwhile", async () => {
      const slow = await hooked()
      slow.receiver.answerWith(() => 'hang')
      for (let i = 0; i < 30; i++) await ping(slow.owner, slow.id)
      await slow.receiver.until((received) => received.length >= 20)
      const quick = await hooked()
      await ping(quick.owner, quick.id)
      await quick.receiver.until((received) => received.length === 1)
      // Every hanging attempt is still under way (none timed out): the quick one did not wait for them.
      expect((await log(slow.owner, slow.id)).every((delivery) => delivery.attempts === 0)).toBe(true)
    })

    it('is disabled after WEBHOOK_DISABLE_AFTER failed attempts in a row, tells its owner why, and gets what waited once enabled', async () => {
      const { owner, receiver, id } = await hooked()
      receiver.answerWith(() => 500)
      await ping(owner, id)
      for (let attempt = 1; attempt < 3; attempt++) reach(await settled(owner, id, (delivery) => delivery.attempts === attempt))
      const third = await settled(owner, id, (delivery) => delivery.attempts === 3)
      expect(await endpoint(owner, id)).toMatchObject({
        enabled: false,
        disabled_at: expect.stringMatching(TIME),
        disabled_reason: `3 attempts in a row failed; the last: ${HTTP_500}`,
        consecutive_failures: 3,
      })
      // Its retry comes due while it is disabled: the delivery waits, untried.
      reach(third)
      await vi.waitFor(async () => expect(await server.webhooks.queued()).toBe(0))
      expect(await log(owner, id)).toMatchObject([{ status: 'pending', attempts: 3, next_attempt_at: null }])
      receiver.answerWith(() => 200)
      expect(await call(owner, 'PATCH', `/api/webhooks/${id}/`, { enabled: true })).toMatchObject({ status: 200, json: { enabled: true, disabled_reason: null, consecutive_failures: 0 } })
      expect(await settled(owner, id, (delivery) => delivery.status === 'delivered')).toMatchObject({ attempts: 4, last_status_code: 200 })
    })

    it('fails a delivery once WEBHOOK_RETRY_FOR runs out, and disables the endpoint saying so', async () => {
      const { owner, receiver, id } = await hooked()
      receiver.answerWith(() => 503)
      await ping(owner, id)
      await settled(owner, id, (delivery) => delivery.attempts === 1)
      clock.advance(3_600_000)
      server.webhooks.wake()
      expect(await settled(owner, id, (delivery) => delivery.attempts === 2)).toMatchObject({ status: 'failed', next_attempt_at: null, last_status_code: 503 })
      expect(await endpoint(owner, id)).toMatchObject({
        enabled: false,
        disabled_reason: 'A delivery failed for its whole retry window (WEBHOOK_RETRY_FOR); the last attempt: HTTP 503: the endpoint did not answer 2xx.',
      })
    })
  })

  describe('the delivery log', () => {
    it('keeps a finished delivery 30 days, a pending one until it is finished', async () => {
      const { owner, receiver, id } = await hooked()
      await ping(owner, id)
      await settled(owner, id, (delivery) => delivery.status === 'delivered')
      receiver.answerWith(() => 500)
      await ping(owner, id)
      await settled(owner, id, (delivery) => delivery.attempts === 1)
      // Disabled, the endpoint keeps its delivery pending however much time passes.
      expect((await call(owner, 'PATCH', `/api/webhooks/${id}/`, { enabled: false })).status).toBe(200)
      clock.advance(29 * 86_400_000)
      await server.webhooks.prune()
      expect((await log(owner, id)).map((delivery) => delivery.status)).toEqual(['pending', 'delivered'])
      clock.advance(2 * 86_400_000)
      await server.webhooks.prune()
      expect((await log(owner, id)).map((delivery) => delivery.status)).toEqual(['pending'])
    })
  })

  describe('POST /api/webhooks/{id}/deliveries/{delivery}/retry/', () => {
    it('sends a finished delivery again under the same event id; a pending one is 409, an unknown one 404', async () => {
      const { owner, receiver, id } = await hooked()
      const first = await ping(owner, id)
      await settled(owner, id, (delivery) => delivery.status === 'delivered')
      const again = await call(owner, 'POST', `/api/webhooks/${id}/deliveries/${first.id}/retry/`)
      expect(again).toMatchObject({ status: 202, json: { id: first.id, event_id: first.event_id, status: 'pending', attempts: 1 } })
      expect(await settled(owner, id, (delivery) => delivery.attempts === 2)).toMatchObject({ status: 'delivered', last_status_code: 200 })
      expect(receiver.verified().map((entry) => entry.event.id)).toEqual([first.event_id, first.event_id])
      receiver.answerWith(() => 500)
      const failing = await ping(owner, id)
      await settled(owner, id, (delivery) => delivery.attempts === 1)
      expect(await call(owner, 'POST', `/api/webhooks/${id}/deliveries/${failing.id}/retry/`)).toMatchObject({ status: 409, json: { detail: 'This delivery is still pending.' } })
      for (const unknown of ['2000000000', 'abc', '0']) {
        expect((await call(owner, 'POST', `/api/webhooks/${id}/deliveries/${unknown}/retry/`)).status).toBe(404)
      }
    })
  })

  describe('secret rotation', () => {
    it('signs with the old and the new secret for 24 hours, then with the new one only', async () => {
      const { owner, receiver, id, secret: old } = await hooked()
      const rotated = await call(owner, 'POST', `/api/webhooks/${id}/rotate-secret/`)
      const { secret: fresh, previous_secret_expires_at: until } = rotated.json as { secret: string; previous_secret_expires_at: string }
      expect(fresh).not.toBe(old)
      expect(Date.parse(until) - clock.now()).toBe(86_400_000)
      receiver.trust(fresh)
      await ping(owner, id)
      await receiver.until((received) => received.length === 1)
      expect(receiver.received[0]!.signedBy).toEqual([old, fresh])
      clock.advance(86_400_001)
      await ping(owner, id)
      await receiver.until((received) => received.length === 2)
      expect(receiver.received[1]!.signedBy).toEqual([fresh])
      expect(receiver.received[1]!.headers['vfx-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    })
  })
})
