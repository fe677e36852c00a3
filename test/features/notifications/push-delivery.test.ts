import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { PushEndpoint } from '../../helpers/push-endpoint.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { openSse } from '../streams/clients.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

forEachEngine((engine) => {
  // 12:00 UTC: inside quiet hours of 11:00–13:00 UTC, outside 22:00–07:00.
  const clock = new ManualClock(Date.parse('2026-01-05T12:00:00.000Z'))
  let server: TestServer
  let service: PushEndpoint
  let vapidKey: string
  beforeAll(async () => {
    service = await PushEndpoint.start()
    server = await startTestServer({ PUSH_ALLOW_PRIVATE: '1' }, { engine, clock })
    vapidKey = (await (await server.signIn()).pushKey()).public_key
  })
  afterAll(async () => {
    await server.destroy()
    await service.close()
  })

  /** A sender and two people in one thread, each with a browser subscribed at the push service. */
  async function conversation() {
    const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
    await Promise.all([bob.subscribePush(service.subscribe(bob.address)), carol.subscribePush(service.subscribe(carol.address))])
    const { thread } = await alice.createThread({ participants: [alice.address, bob.address, carol.address] })
    return { alice, bob, carol, uuid: thread.uuid }
  }

  /** Waits until every recorded event was fanned out and every push sent or dropped. */
  async function settled(): Promise<void> {
    await withDatabase(server, async (db) => {
      for (;;) {
        const waiting = await db.selectFrom('jobs').select('id').where('queue', 'in', ['chat-events', 'push']).where('run_at', '<=', new Date(clock.now()).toISOString()).execute()
        if (waiting.length === 0) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })
  }

  const expectNoPushFor = async (someone: Client) => {
    await settled()
    expect(service.pending(someone.address)).toEqual([])
  }

  describe('a new message', () => {
    it('reaches each other participant as an encrypted push without its words, signed with the VAPID key', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      const { message } = await alice.sendMessage(uuid, { content: 'the Aurora print is 40 VFX' })
      const expected = {
        type: 'message',
        thread: uuid,
        message_id: message.id,
        sender: alice.address,
        title: `New message from ${alice.address.slice(0, 6)}…${alice.address.slice(-4)}`,
        body: 'Open VFX Chat to read it.',
      }
      for (const someone of [bob, carol]) {
        const push = await service.next(someone.address)
        expect(push.payload).toEqual(expected)
        expect(push.vapidKey).toBe(vapidKey)
        expect(push.headers).toMatchObject({ 'content-encoding': 'aes128gcm', ttl: '3600', urgency: 'high' })
      }
      await expectNoPushFor(alice)
      expect(service.refused).toEqual([])
      const [browser] = (await bob.listPushSubscriptions()).results
      expect(browser?.last_used_at).toBe(new Date(clock.now()).toISOString())
    })

    it("carries the words to people who turned previews on, cut to 240 characters", async () => {
      const { alice, bob, carol, uuid } = await conversation()
      await bob.updateNotificationPreferences({ previews: true })
      await alice.sendMessage(uuid, { content: 'the Aurora print is 40 VFX' })
      expect((await service.next(bob.address)).payload).toMatchObject({ body: 'the Aurora print is 40 VFX' })
      expect((await service.next(carol.address)).payload).toMatchObject({ body: 'Open VFX Chat to read it.' })
      await alice.sendMessage(uuid, { content: '✦'.repeat(300) })
      expect((await service.next(bob.address)).payload).toMatchObject({ body: `${'✦'.repeat(239)}…` })
    })
  })

  describe('no push', () => {
    it('for a muted thread (the others still get theirs)', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      await bob.muteThread(uuid)
      await alice.sendMessage(uuid, { content: 'hello?' })
      await service.next(carol.address)
      await expectNoPushFor(bob)
    })

    it('once a mute has run out, pushes come again', async () => {
      const { alice, bob, uuid } = await conversation()
      await bob.muteThread(uuid, new Date(clock.now() + 60_000).toISOString())
      clock.advance(60_001)
      await alice.sendMessage(uuid, { content: 'still there?' })
      expect((await service.next(bob.address)).payload).toMatchObject({ thread: uuid })
    })

    it('for someone who turned push off', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      await bob.updateNotificationPreferences({ push: false })
      await alice.sendMessage(uuid, { content: 'hello?' })
      await service.next(carol.address)
      await expectNoPushFor(bob)
    })

    it('during quiet hours: dropped, not sent when they end', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      await bob.updateNotificationPreferences({ quiet_hours: { start: '11:00', end: '13:00', time_zone: 'UTC' } })
      await carol.updateNotificationPreferences({ quiet_hours: { start: '22:00', end: '07:00', time_zone: 'UTC' } })
      await alice.sendMessage(uuid, { content: 'at noon' })
      await service.next(carol.address)
      await expectNoPushFor(bob)
      clock.advance(2 * 3_600_000)
      await expectNoPushFor(bob)
    })

    it('for a message request the person declined', async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      await bob.subscribePush(service.subscribe(bob.address))
      await carol.subscribePush(service.subscribe(carol.address))
      await bob.updateConsentSettings({ message_requests: true })
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address, carol.address], initial_message: 'hi' })
      // A request waiting for an answer is told of, as any thread.
      await Promise.all([service.next(bob.address), service.next(carol.address)])
      await bob.declineThread(thread.uuid)
      await alice.sendMessage(thread.uuid, { content: 'hello?' })
      await service.next(carol.address)
      await expectNoPushFor(bob)
    })

    it('for someone with a stream open: they see the message arrive', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      const stream = await openSse(server.url, { token: bob.token! })
      try {
        await alice.sendMessage(uuid, { content: 'are you there?' })
        await service.next(carol.address)
        await stream.events.until((events) => events.some((event) => event.type === 'message'))
        await expectNoPushFor(bob)
      } finally {
        stream.close()
      }
    })

    it('for the sender, nor for a thread-opening or a read', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      await bob.markRead(uuid)
      await expectNoPushFor(carol)
      await alice.sendMessage(uuid, { content: 'one' })
      await service.next(bob.address)
      await service.next(carol.address)
      await expectNoPushFor(alice)
    })
  })

  describe('the push service', () => {
    it('answering 410 (the browser unsubscribed) removes the subscription', async () => {
      const { alice, bob, carol, uuid } = await conversation()
      service.answer(bob.address, 410)
      await alice.sendMessage(uuid, { content: 'hello?' })
      await service.next(carol.address)
      await settled()
      expect((await bob.listPushSubscriptions()).count).toBe(0)
      await alice.sendMessage(uuid, { content: 'again' })
      await service.next(carol.address)
      await expectNoPushFor(bob)
    })

    it('answering 500 or 429 is tried again after a backoff, then the push arrives once', async () => {
      const { alice, bob, uuid } = await conversation()
      service.answer(bob.address, 500, 429)
      const { message } = await alice.sendMessage(uuid, { content: 'eventually' })
      await settled()
      clock.advance(10_000)
      await settled()
      clock.advance(40_000)
      expect((await service.next(bob.address)).payload).toMatchObject({ message_id: message.id })
      await expectNoPushFor(bob)
      expect((await bob.listPushSubscriptions()).count).toBe(1)
    })

    it('refusing a push for good (400) drops it and keeps the subscription', async () => {
      const { alice, bob, uuid } = await conversation()
      service.answer(bob.address, 400)
      await alice.sendMessage(uuid, { content: 'refused' })
      await expectNoPushFor(bob)
      const { message } = await alice.sendMessage(uuid, { content: 'taken' })
      expect((await service.next(bob.address)).payload).toMatchObject({ message_id: message.id })
    })
  })
})
