import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ATTACHMENTS_AFTER_ACCEPT } from '../../../src/features/consent/index.js'
import { aThread, expectError, raw } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { openSse, openWs } from '../streams/clients.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const LIMIT = 3
const AT_LIMIT = { detail: `This conversation is a message request: up to ${LIMIT} messages can be sent until it is accepted.` }

forEachEngine((engine) => {
  const clock = new ManualClock(Date.now())
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ UNANSWERED_THREADS_PER_HOUR: '3', UNANSWERED_THREADS_PER_DAY: '5' }, { engine, clock })
  })
  afterAll(() => server.destroy())

  const call = (client: Client, method: string, path: string, body?: unknown) => raw(server, method, path, { token: client.token, body })

  /** Someone who asked for message requests, and a stranger who opened a thread with them. */
  async function request(initialMessage = 'hello, is this yours?') {
    const [opener, recipient] = await Promise.all([server.signIn(), server.signIn()])
    expect((await call(recipient, 'PATCH', '/api/consent/settings/', { message_requests: true })).status).toBe(200)
    const { thread } = await opener.createThread({ participants: [opener.address, recipient.address], initial_message: initialMessage })
    return { opener, recipient, uuid: thread.uuid }
  }

  const consentOf = async (client: Client, uuid: string) => (await client.getThread(uuid)).consent
  const uuidsIn = async (client: Client, query = '') =>
    ((await call(client, 'GET', `/api/chat/${query}`)).json as { results: { uuid: string }[] }).results.map((thread) => thread.uuid)

  describe('settings', () => {
    it('start from the server default (off: every thread accepted, as the seed describes) and change per field', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      expect((await call(alice, 'GET', '/api/consent/settings/')).json).toEqual({ message_requests: false, shop_requests: false })
      const { thread } = await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'hi' })
      expect(await consentOf(alice, thread.uuid)).toBe('accepted')

      expect((await call(alice, 'PATCH', '/api/consent/settings/', { shop_requests: true })).json).toEqual({ message_requests: false, shop_requests: true })
      expect((await call(alice, 'GET', '/api/consent/settings/')).json).toEqual({ message_requests: false, shop_requests: true })
      const bad = await call(alice, 'PATCH', '/api/consent/settings/', { message_requests: 'yes' })
      expect({ status: bad.status, body: bad.json }).toEqual({ status: 400, body: { message_requests: [expect.any(String)] } })
    })

    it('MESSAGE_REQUESTS=on makes strangers wait for everyone who has not chosen', async () => {
      const strict = await startTestServer({ MESSAGE_REQUESTS: 'on' }, { engine })
      try {
        const [alice, bob] = await Promise.all([strict.signIn(), strict.signIn()])
        const { thread } = await bob.createThread({ participants: [bob.address, alice.address] })
        expect([await alice.getThread(thread.uuid), await bob.getThread(thread.uuid)].map((t) => t.consent)).toEqual(['request', 'accepted'])
      } finally {
        await strict.destroy()
      }
    })
  })

  describe('a request', () => {
    it('is a request for the recipient only, in its own folder and in the default list', async () => {
      const { opener, recipient, uuid } = await request()
      expect(await consentOf(recipient, uuid)).toBe('request')
      expect(await consentOf(opener, uuid)).toBe('accepted')
      expect(await uuidsIn(recipient, '?consent=request')).toEqual([uuid])
      expect(await uuidsIn(recipient, '?consent=accepted')).toEqual([])
      expect(await uuidsIn(recipient)).toEqual([uuid])
      const listed = await call(recipient, 'GET', '/api/chat/?consent=request')
      expect(listed.json).toEqual({ count: 1, next: null, previous: null, results: [aThread({ uuid, participants: [opener.address, recipient.address], last_message: 'hello, is this yours?', unread_count: 1, consent: 'request' })] })
      const bad = await call(recipient, 'GET', '/api/chat/?consent=maybe')
      expect({ status: bad.status, body: bad.json }).toEqual({ status: 400, body: { consent: ['Not a valid choice.'] } })
    })

    it('hides the recipient reading and typing from the opener until accepted, then shows where they read to', async () => {
      const { opener, recipient, uuid } = await request()
      const stream = await openSse(server.url, { token: opener.token! })
      const ws = await openWs(server.url, { token: recipient.token! })
      try {
        await recipient.markRead(uuid)
        ws.send({ type: 'typing', thread_uuid: uuid })
        await ws.frames.until((frames) => frames.some((f) => f.type === 'read'))
        const [message] = (await opener.getThread(uuid)).messages
        expect(message!.is_read).toBe(false)

        expect((await call(recipient, 'POST', `/api/chat/${uuid}/accept/`)).json).toMatchObject({ uuid, consent: 'accepted' })
        // Events arrive in order: had the read or the typing been relayed, it would come first.
        const events = await stream.events.until((items) => items.some((e) => e.type === 'read'))
        expect(events.filter((e) => e.type !== 'message').map((e) => [e.type, JSON.parse(e.data)])).toEqual([
          ['thread', { uuid, action: 'updated' }],
          ['read', { uuid, address: recipient.address, last_read_id: message!.id }],
        ])
        expect((await opener.getThread(uuid)).messages[0]!.is_read).toBe(true)
      } finally {
        stream.close()
        ws.socket.close()
      }
    })

    it('lets the opener send 3 messages in all and no attachment, then refuses (403) until a reply accepts', async () => {
      const { opener, recipient, uuid } = await request()
      await opener.sendMessage(uuid, { content: 'second' })
      await opener.sendMessage(uuid, { content: 'third' })
      await expectError(opener.sendMessage(uuid, { content: 'fourth' }), 403, AT_LIMIT)
      // Over the socket too.
      const ws = await openWs(server.url, { token: opener.token! })
      ws.send({ type: 'send', thread_uuid: uuid, content: 'fourth', client_id: 'ws-4' })
      const [error] = await ws.frames.until((frames) => frames.some((f) => f.type === 'error'))
      expect(error!.data).toEqual({ client_id: 'ws-4', status: 403, body: AT_LIMIT })
      ws.socket.close()
      const upload = await call(opener, 'POST', `/api/chat/${uuid}/attachments/?name=a.txt`, 'bytes')
      expect({ status: upload.status, body: upload.json }).toEqual({ status: 403, body: { detail: ATTACHMENTS_AFTER_ACCEPT } })

      await recipient.sendMessage(uuid, { content: 'yes, it is' })
      expect(await consentOf(recipient, uuid)).toBe('accepted')
      expect((await opener.sendMessage(uuid, { content: 'fourth' })).message.content).toBe('fourth')
      expect((await call(opener, 'POST', `/api/chat/${uuid}/attachments/?name=a.txt`, 'bytes')).status).toBe(201)
    })

    it('declined: leaves the list (not its folder), the opener is told nothing, accepting brings it back', async () => {
      const { opener, recipient, uuid } = await request()
      const stream = await openSse(server.url, { token: opener.token! })
      try {
        expect((await call(recipient, 'POST', `/api/chat/${uuid}/decline/`)).json).toMatchObject({ uuid, consent: 'declined' })
        expect(await uuidsIn(recipient)).toEqual([])
        expect(await uuidsIn(recipient, '?consent=declined')).toEqual([uuid])
        // Again: no change. The opener's view is an unanswered thread's.
        expect((await call(recipient, 'POST', `/api/chat/${uuid}/decline/`)).status).toBe(200)
        expect(await consentOf(opener, uuid)).toBe('accepted')
        await opener.sendMessage(uuid, { content: 'hello?' })
        expect(stream.events.items.filter((e) => e.type !== 'message')).toEqual([])

        await call(recipient, 'POST', `/api/chat/${uuid}/accept/`)
        expect(await uuidsIn(recipient)).toEqual([uuid])
        const refused = await call(recipient, 'POST', `/api/chat/${uuid}/decline/`)
        expect({ status: refused.status, body: refused.json }).toEqual({ status: 409, body: { detail: 'Only a message request can be declined.' } })
      } finally {
        stream.close()
      }
    })

    it("keeps a shop's buyers in its owner's inbox unless the owner asks shops for requests too", async () => {
      const [owner, buyer, second] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      await call(owner, 'PATCH', '/api/consent/settings/', { message_requests: true })
      const shop = await owner.createShop({ name: 'Gallery', url: `vfx://gallery-${owner.address.slice(1, 9)}` })
      const first = await buyer.createThread({ participants: [buyer.address], shop_id: shop.id })
      expect(await consentOf(owner, first.thread.uuid)).toBe('accepted')
      await call(owner, 'PATCH', '/api/consent/settings/', { shop_requests: true })
      const later = await second.createThread({ participants: [second.address], shop_id: shop.id })
      expect(await consentOf(owner, later.thread.uuid)).toBe('request')
    })
  })

  describe('new threads from an address nobody has answered', () => {
    it('are limited per hour and per day with Retry-After; an existing thread is not counted; an answer lifts the limit', async () => {
      const spammer = await server.signIn()
      const targets = await Promise.all(Array.from({ length: 7 }, () => server.signIn()))
      const open = (target: Client) => raw(server, 'POST', '/api/chat/', { token: spammer.token, body: { participants: [spammer.address, target.address] } })
      for (const target of targets.slice(0, 3)) expect((await open(target)).status).toBe(201)
      expect((await open(targets[0]!)).status).toBe(200)
      const hourly = await open(targets[3]!)
      expect({ status: hourly.status, retry: hourly.headers.get('retry-after'), body: hourly.json }).toEqual({
        status: 429,
        retry: '3600',
        body: { detail: 'Request was throttled.' },
      })

      clock.advance(3_600_000)
      for (const target of targets.slice(3, 5)) expect((await open(target)).status).toBe(201)
      const daily = await open(targets[5]!)
      expect({ status: daily.status, retry: Number(daily.headers.get('retry-after')) }).toEqual({ status: 429, retry: 86_400 - 3600 })

      // Someone answers: the address is no longer a stranger to everyone.
      const [answered] = (await spammer.listThreads()).results
      await targets.find((t) => answered!.participants.includes(t.address))!.sendMessage(answered!.uuid, { content: 'who are you?' })
      expect((await open(targets[5]!)).status).toBe(201)
    })
  })

  describe('state transitions (property)', () => {
    type Step = 'opener sends' | 'recipient sends' | 'recipient reads' | 'accept' | 'decline'
    const STEPS: Step[] = ['opener sends', 'recipient sends', 'recipient reads', 'accept', 'decline']

    it('follow the model: request → accepted by accept or reply; request → declined; declined → accepted; limits only while unanswered', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...STEPS), { minLength: 1, maxLength: 8 }), async (steps) => {
          const { opener, recipient, uuid } = await request()
          let state: 'request' | 'accepted' | 'declined' = 'request'
          let openerSent = 1
          let readUpTo = 0
          for (const step of steps) {
            if (step === 'opener sends') {
              const answer = await call(opener, 'POST', `/api/chat/${uuid}/message/`, { content: 'more' })
              const allowed = state === 'accepted' || openerSent < LIMIT
              expect(answer.status, `${steps.join(' → ')}`).toBe(allowed ? 201 : 403)
              if (allowed) openerSent++
            } else if (step === 'recipient sends') {
              const reply = await call(recipient, 'POST', `/api/chat/${uuid}/message/`, { content: 'reply' })
              expect(reply.status).toBe(201)
              state = 'accepted'
              // Sending reads everything before it.
              readUpTo = (reply.json as { id: number }).id
            } else if (step === 'recipient reads') {
              readUpTo = (await recipient.markRead(uuid)).last_read_id
            } else if (step === 'accept') {
              expect((await call(recipient, 'POST', `/api/chat/${uuid}/accept/`)).status).toBe(200)
              state = 'accepted'
            } else {
              expect((await call(recipient, 'POST', `/api/chat/${uuid}/decline/`)).status).toBe(state === 'accepted' ? 409 : 200)
              if (state === 'request') state = 'declined'
            }
            expect(await consentOf(recipient, uuid)).toBe(state)
            expect(await consentOf(opener, uuid)).toBe('accepted')
            // What the opener learns of the recipient's reading: nothing until accepted.
            const own = (await opener.getThread(uuid)).messages.filter((m) => m.sender === opener.address)
            expect(own.map((m) => m.is_read)).toEqual(own.map((m) => state === 'accepted' && m.id <= readUpTo))
          }
        }),
        { numRuns: 15 },
      )
    })
  })
})
