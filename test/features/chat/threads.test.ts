import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { aMessage, aThread, expectError, NOT_FOUND, raw, withDatabase } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  type Client = Awaited<ReturnType<TestServer['signIn']>>

  async function pair(): Promise<[Client, Client]> {
    return Promise.all([server.signIn(), server.signIn()])
  }

  async function threadOf(a: Client, b: Client, initial_message?: string) {
    return (await a.createThread({ participants: [a.address, b.address], initial_message })).thread
  }

  async function openShop(owner: Client) {
    const slug = randomUUID().slice(0, 8)
    return owner.createShop({ name: `Shop ${slug}`, url: `vfx://${slug}` })
  }

  function addresses(count: number): string[] {
    return Array.from({ length: count }, () => VfxSigner.generate().address)
  }

  describe('POST /api/chat/', () => {
    it('creates a thread: 201 with the detail, participants in the order given', async () => {
      const [alice, bob] = await pair()
      const { thread, created } = await alice.createThread({ participants: [alice.address, bob.address] })
      expect(created).toBe(true)
      expect(thread).toEqual({ ...aThread({ participants: [alice.address, bob.address] }), messages: [] })
      expect(thread.created_at).toBe(thread.updated_at)
    })

    it('posts initial_message as the first message, from the caller', async () => {
      const [alice, bob] = await pair()
      const { thread } = await alice.createThread({ participants: [bob.address, alice.address], initial_message: 'Is it available?' })
      expect(thread).toEqual({
        ...aThread({ participants: [bob.address, alice.address], last_message: 'Is it available?' }),
        messages: [aMessage({ sender: alice.address, content: 'Is it available?', is_read: false, thread_uuid: thread.uuid })],
      })
      expect(thread.updated_at).toBe(thread.messages[0]!.timestamp)
    })

    it('answers 200 with the same thread for the same participant set in another order', async () => {
      const [alice, bob] = await pair()
      const first = await threadOf(alice, bob)
      const { thread, created } = await bob.createThread({ participants: [bob.address, alice.address] })
      expect(created).toBe(false)
      expect(thread.uuid).toBe(first.uuid)
      expect(thread.participants).toEqual([alice.address, bob.address])
    })

    it('appends initial_message to the existing thread', async () => {
      const [alice, bob] = await pair()
      const first = await threadOf(alice, bob, 'one')
      const { thread, created } = await bob.createThread({ participants: [alice.address, bob.address], initial_message: 'two' })
      expect(created).toBe(false)
      expect(thread.uuid).toBe(first.uuid)
      expect(thread.messages.map((m) => [m.sender, m.content])).toEqual([
        [alice.address, 'one'],
        [bob.address, 'two'],
      ])
      expect(thread.last_message).toBe('two')
    })

    it("adds the shop's owner to the participants, so one buyer address is enough", async () => {
      const [owner, buyer] = await pair()
      const shop = await openShop(owner)
      const { thread, created } = await buyer.createThread({ participants: [buyer.address], shop_id: shop.id })
      expect(created).toBe(true)
      expect(thread).toEqual({
        ...aThread({ participants: [buyer.address, owner.address], shop: { id: shop.id, name: shop.name, url: shop.url } }),
        messages: [],
      })
      const again = await buyer.createThread({ participants: [owner.address, buyer.address], shop_id: shop.id })
      expect(again).toEqual({ thread: { ...thread }, created: false })
    })

    it('keeps a shop thread apart from the same participants without a shop', async () => {
      const [owner, buyer] = await pair()
      const shop = await openShop(owner)
      const plain = await threadOf(buyer, owner)
      const shopThread = (await buyer.createThread({ participants: [buyer.address], shop_id: shop.id })).thread
      expect(shopThread.uuid).not.toBe(plain.uuid)
      const nullShop = await buyer.createThread({ participants: [buyer.address, owner.address], shop_id: null })
      expect(nullShop.thread.uuid).toBe(plain.uuid)
    })

    it('refuses 403 when the caller is not among the participants', async () => {
      const [alice, bob] = await pair()
      const carol = VfxSigner.generate()
      await expectError(alice.createThread({ participants: [bob.address, carol.address] }), 403, {
        detail: 'You must be one of the participants.',
      })
    })

    it('accepts up to 50 participants', async () => {
      const alice = await server.signIn()
      const { thread } = await alice.createThread({ participants: [alice.address, ...addresses(49)] })
      expect(thread.participants).toHaveLength(50)
    })

    describe('validation: 400 on the field', () => {
      const COUNT = { participants: ['A thread has between 2 and 50 participants.'] }

      it('an invalid address', async () => {
        const alice = await server.signIn()
        await expectError(alice.createThread({ participants: [alice.address, 'Rnot-an-address'] }), 400, {
          participants: ['"Rnot-an-address" is not a valid VFX address.'],
        })
      })

      it('a testnet address on mainnet', async () => {
        const alice = await server.signIn()
        const testnet = VfxSigner.generate({ network: 'testnet' }).address
        await expectError(alice.createThread({ participants: [alice.address, testnet] }), 400, {
          participants: [`"${testnet}" is not a valid VFX address.`],
        })
      })

      it('a repeated address', async () => {
        const [alice, bob] = await pair()
        await expectError(alice.createThread({ participants: [alice.address, bob.address, alice.address] }), 400, {
          participants: ['Participants must be distinct addresses.'],
        })
      })

      it('too few participants', async () => {
        const alice = await server.signIn()
        await expectError(alice.createThread({ participants: [alice.address] }), 400, COUNT)
        await expectError(alice.createThread({ participants: [] }), 400, {
          participants: ['Ensure this field has at least 1 elements.'],
        })
      })

      it('too many participants', async () => {
        const alice = await server.signIn()
        await expectError(alice.createThread({ participants: [alice.address, ...addresses(50)] }), 400, {
          participants: ['Ensure this field has no more than 50 elements.'],
        })
      })

      it("51 once the shop's owner joins", async () => {
        const [owner, alice] = await pair()
        const shop = await openShop(owner)
        await expectError(alice.createThread({ participants: [alice.address, ...addresses(49)], shop_id: shop.id }), 400, COUNT)
      })

      it('participants that are not a list of strings', async () => {
        const alice = await server.signIn()
        for (const [participants, messages] of [
          [alice.address, ['Expected a list of items.']],
          [42, ['Expected a list of items.']],
          [null, ['Expected a list of items.']],
          [{ a: alice.address }, ['Expected a list of items.']],
          [[alice.address, 7], ['Not a valid string.']],
        ] as const) {
          const answer = await raw(server, 'POST', '/api/chat/', { token: alice.token, body: { participants } })
          expect({ participants, status: answer.status, json: answer.json }).toEqual({
            participants,
            status: 400,
            json: { participants: messages },
          })
        }
      })

      it('participants missing', async () => {
        const alice = await server.signIn()
        const answer = await raw(server, 'POST', '/api/chat/', { token: alice.token, body: {} })
        expect(answer).toMatchObject({ status: 400, json: { participants: ['This field is required.'] } })
      })

      it('an unknown shop', async () => {
        const [alice, bob] = await pair()
        await expectError(alice.createThread({ participants: [alice.address, bob.address], shop_id: 999_999 }), 400, {
          shop_id: ['Invalid pk "999999" - object does not exist.'],
        })
      })

      it('a shop_id that is not a positive integer, JSON types taken as sent', async () => {
        const [alice, bob] = await pair()
        const NOT_INTEGER = ['A valid integer is required.']
        const TOO_SMALL = ['Ensure this value is greater than or equal to 1.']
        for (const [shop_id, messages] of [
          ['abc', NOT_INTEGER],
          ['1', NOT_INTEGER],
          [1.5, NOT_INTEGER],
          [true, NOT_INTEGER],
          [[1], NOT_INTEGER],
          [0, TOO_SMALL],
          [-1, TOO_SMALL],
        ] as const) {
          const answer = await raw(server, 'POST', '/api/chat/', {
            token: alice.token,
            body: { participants: [alice.address, bob.address], shop_id },
          })
          expect({ shop_id, status: answer.status, json: answer.json }).toEqual({ shop_id, status: 400, json: { shop_id: messages } })
        }
        expect((await alice.listThreads()).count).toBe(0)
      })

      it('a blank or whitespace-only initial_message', async () => {
        const [alice, bob] = await pair()
        for (const initial_message of ['', '  \n\t ']) {
          await expectError(alice.createThread({ participants: [alice.address, bob.address], initial_message }), 400, {
            initial_message: ['This field may not be blank.'],
          })
        }
        expect((await alice.listThreads()).count).toBe(0)
      })

      it('a NUL character in initial_message', async () => {
        const [alice, bob] = await pair()
        await expectError(alice.createThread({ participants: [alice.address, bob.address], initial_message: 'a\u0000b' }), 400, {
          initial_message: ['Null characters are not allowed.'],
        })
      })
    })
  })

  describe('GET /api/chat/', () => {
    it('lists the threads of the caller only, most recently updated first', async () => {
      const [alice, bob] = await pair()
      const carol = await server.signIn()
      const older = await threadOf(alice, bob, 'first')
      const newer = await threadOf(alice, carol)
      await threadOf(bob, carol)
      const page = await alice.listThreads()
      expect(page).toEqual({
        count: 2,
        next: null,
        previous: null,
        results: [
          aThread({ uuid: newer.uuid, participants: [alice.address, carol.address] }),
          aThread({ uuid: older.uuid, participants: [alice.address, bob.address], last_message: 'first' }),
        ],
      })
      await bob.sendMessage(older.uuid, { content: 'bump' })
      const bumped = await alice.listThreads()
      expect(bumped.results.map((t) => [t.uuid, t.last_message, t.unread_count])).toEqual([
        [older.uuid, 'bump', 1],
        [newer.uuid, null, 0],
      ])
    })

    it('filters by shop_id and shop_url', async () => {
      const [owner, buyer] = await pair()
      const shop = await openShop(owner)
      const other = await openShop(owner)
      const inShop = (await buyer.createThread({ participants: [buyer.address], shop_id: shop.id })).thread
      await buyer.createThread({ participants: [buyer.address], shop_id: other.id })
      await threadOf(buyer, owner)
      expect((await buyer.listThreads({ shop_id: shop.id })).results.map((t) => t.uuid)).toEqual([inShop.uuid])
      expect((await buyer.listThreads({ shop_url: shop.url })).results.map((t) => t.uuid)).toEqual([inShop.uuid])
      expect((await buyer.listThreads({ shop_url: shop.url.toUpperCase() })).results.map((t) => t.uuid)).toEqual([inShop.uuid])
      expect((await buyer.listThreads()).count).toBe(3)
    })

    it('accepts address when it is the caller, and refuses 403 for anyone else', async () => {
      const [alice, bob] = await pair()
      await threadOf(alice, bob)
      expect((await alice.listThreads({ address: alice.address })).count).toBe(1)
      await expectError(alice.listThreads({ address: bob.address }), 403, { detail: 'You can only list your own threads.' })
    })

    it('refuses a shop_id that is not an integer with 400', async () => {
      const alice = await server.signIn()
      const answer = await raw(server, 'GET', '/api/chat/?shop_id=abc', { token: alice.token })
      expect(answer).toMatchObject({ status: 400, json: { shop_id: ['A valid integer is required.'] } })
    })
  })

  describe('GET /api/chat/{uuid}/', () => {
    it('answers the thread with its messages, oldest first', async () => {
      const [alice, bob] = await pair()
      const created = await threadOf(alice, bob, 'hello')
      await bob.sendMessage(created.uuid, { content: 'hi' })
      const thread = await alice.getThread(created.uuid)
      expect(thread).toEqual({
        ...aThread({ uuid: created.uuid, participants: [alice.address, bob.address], last_message: 'hi', unread_count: 1 }),
        messages: [
          aMessage({ sender: alice.address, content: 'hello', is_read: true, thread_uuid: created.uuid }),
          aMessage({ sender: bob.address, content: 'hi', is_read: false, thread_uuid: created.uuid }),
        ],
      })
      expect(thread.messages[0]!.id).toBeLessThan(thread.messages[1]!.id)
    })

    it('holds the latest 100 messages', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob)
      for (let i = 1; i <= 103; i++) await alice.sendMessage(uuid, { content: `m${i}` })
      const thread = await bob.getThread(uuid)
      expect(thread.messages).toHaveLength(100)
      expect(thread.messages[0]!.content).toBe('m4')
      expect(thread.messages.at(-1)!.content).toBe('m103')
    })

    it('accepts the UUID in upper case', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob)
      expect((await alice.getThread(uuid.toUpperCase())).uuid).toBe(uuid)
    })
  })

  describe('a thread path for someone who is not a participant', () => {
    let uuid: string
    let stranger: Client
    beforeAll(async () => {
      const [alice, bob] = await pair()
      uuid = (await threadOf(alice, bob, 'private')).uuid
      stranger = await server.signIn()
    })

    const paths = (id: string) => [
      ['GET', `/api/chat/${id}/`, undefined],
      ['PATCH', `/api/chat/${id}/`, { is_read: true }],
      ['DELETE', `/api/chat/${id}/`, undefined],
      ['GET', `/api/chat/${id}/message/`, undefined],
      ['POST', `/api/chat/${id}/message/`, { content: 'let me in' }],
      ['POST', `/api/chat/${id}/read/`, {}],
    ] as const

    it('gets 404, exactly as for a missing or a malformed UUID', async () => {
      for (const id of [uuid, randomUUID(), 'not-a-uuid', '1']) {
        for (const [method, path, body] of paths(id)) {
          const answer = await raw(server, method, path, { token: stranger.token, body })
          expect({ method, path, status: answer.status, json: answer.json }).toEqual({ method, path, status: 404, json: NOT_FOUND })
        }
      }
    })

    it('leaves the thread untouched', async () => {
      const [alice] = await pair()
      const thread = await stranger.createThread({ participants: [stranger.address, alice.address] })
      expect(thread.thread.uuid).not.toBe(uuid)
      const stored = await withDatabase(server, (db) =>
        db
          .selectFrom('messages')
          .innerJoin('threads', 'threads.id', 'messages.thread_id')
          .select(['messages.sender', 'messages.content'])
          .where('threads.uuid', '=', uuid)
          .execute(),
      )
      expect(stored.map((m) => m.content)).toEqual(['private'])
    })
  })

  describe('PATCH /api/chat/{uuid}/', () => {
    it('is_read: true marks everything read for the caller', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob, 'one')
      await alice.sendMessage(uuid, { content: 'two' })
      const thread = await bob.updateThread(uuid, { is_read: true })
      expect(thread.unread_count).toBe(0)
      expect(thread.messages.map((m) => m.is_read)).toEqual([true, true])
      expect((await alice.getThread(uuid)).messages.map((m) => m.is_read)).toEqual([true, true])
    })

    it('is_read: false is refused with 400', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob, 'one')
      await expectError(bob.updateThread(uuid, { is_read: false }), 400, {
        is_read: ['Only true is accepted: read markers never move back.'],
      })
    })

    it("shop_id attaches a shop, whose owner joins; null detaches it", async () => {
      const [owner, alice] = await pair()
      const bob = await server.signIn()
      const shop = await openShop(owner)
      const { uuid } = await threadOf(alice, bob)
      const withShop = await alice.updateThread(uuid, { shop_id: shop.id })
      expect(withShop).toMatchObject({
        participants: [alice.address, bob.address, owner.address],
        shop: { id: shop.id, name: shop.name, url: shop.url },
      })
      expect((await owner.getThread(uuid)).uuid).toBe(uuid)
      const without = await alice.updateThread(uuid, { shop_id: null })
      expect(without).toMatchObject({ participants: [alice.address, bob.address, owner.address], shop: null })
    })

    it('participants adds and removes others; the newcomer sees earlier messages unread', async () => {
      const [alice, bob] = await pair()
      const carol = await server.signIn()
      const { uuid } = await threadOf(alice, bob, 'before carol')
      const thread = await alice.updateThread(uuid, { participants: [alice.address, carol.address, bob.address] })
      expect(thread.participants).toEqual([alice.address, bob.address, carol.address])
      expect(await carol.getThread(uuid)).toMatchObject({ unread_count: 1, last_message: 'before carol' })
      await alice.updateThread(uuid, { participants: [alice.address, carol.address] })
      await expectError(bob.getThread(uuid), 404, NOT_FOUND)
      expect((await carol.getThread(uuid)).participants).toEqual([alice.address, carol.address])
    })

    it('refuses to drop the caller with 400 on participants', async () => {
      const [alice, bob] = await pair()
      const carol = VfxSigner.generate()
      const { uuid } = await threadOf(alice, bob)
      await expectError(alice.updateThread(uuid, { participants: [bob.address, carol.address] }), 400, {
        participants: ['You cannot remove yourself from a thread.'],
      })
    })

    it('validates participants as on creation', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob)
      await expectError(alice.updateThread(uuid, { participants: [alice.address] }), 400, {
        participants: ['A thread has between 2 and 50 participants.'],
      })
      await expectError(alice.updateThread(uuid, { participants: [alice.address, alice.address] }), 400, {
        participants: ['Participants must be distinct addresses.'],
      })
      await expectError(alice.updateThread(uuid, { shop_id: 999_999 }), 400, {
        shop_id: ['Invalid pk "999999" - object does not exist.'],
      })
    })

    it('answers 409 when another thread already has that participant set and shop', async () => {
      const [alice, bob] = await pair()
      const carol = await server.signIn()
      await threadOf(alice, bob)
      const { uuid } = await threadOf(alice, carol)
      await expectError(alice.updateThread(uuid, { participants: [alice.address, bob.address] }), 409, {
        detail: 'A thread with these participants and shop already exists.',
      })
      expect((await alice.getThread(uuid)).participants).toEqual([alice.address, carol.address])
    })

    it('with an empty body answers the thread unchanged', async () => {
      const [alice, bob] = await pair()
      const created = await threadOf(alice, bob, 'x')
      expect(await alice.updateThread(created.uuid, {})).toEqual(created)
    })
  })

  describe('DELETE /api/chat/{uuid}/', () => {
    it('hides the thread for the caller only', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob, 'hello')
      const answer = await raw(server, 'DELETE', `/api/chat/${uuid}/`, { token: alice.token })
      expect(answer).toMatchObject({ status: 204, text: '' })
      await expectError(alice.getThread(uuid), 404, NOT_FOUND)
      await expectError(alice.deleteThread(uuid), 404, NOT_FOUND)
      expect((await alice.listThreads()).count).toBe(0)
      expect((await bob.getThread(uuid)).messages).toHaveLength(1)
    })

    it('brings the thread back with a new message, showing only what is new as unread', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(bob, alice, 'old')
      await alice.deleteThread(uuid)
      await bob.sendMessage(uuid, { content: 'new' })
      const back = await alice.getThread(uuid)
      expect(back).toMatchObject({ uuid, unread_count: 1, last_message: 'new' })
      expect((await alice.listThreads()).results.map((t) => t.uuid)).toEqual([uuid])
    })

    it('brings the thread back when the caller creates it again', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob)
      await alice.deleteThread(uuid)
      const again = await alice.createThread({ participants: [alice.address, bob.address] })
      expect(again).toMatchObject({ created: false, thread: { uuid } })
    })

    it('purges the thread once every participant deleted it', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob, 'bye')
      await alice.deleteThread(uuid)
      await bob.deleteThread(uuid)
      const left = await withDatabase(server, (db) => db.selectFrom('threads').select('id').where('uuid', '=', uuid).execute())
      expect(left).toEqual([])
      const fresh = await alice.createThread({ participants: [alice.address, bob.address] })
      expect(fresh.created).toBe(true)
      expect(fresh.thread.uuid).not.toBe(uuid)
    })
  })

  describe('GET /api/chat/lookup/', () => {
    it('finds the thread of exactly these participants, in any order', async () => {
      const [alice, bob] = await pair()
      const { uuid } = await threadOf(alice, bob)
      expect(await alice.lookup([bob.address, alice.address])).toEqual({
        thread: { uuid, participants: [alice.address, bob.address], shop_id: null },
      })
    })

    it("finds a shop's thread, the owner implied; without shop_id only the shopless one", async () => {
      const [owner, buyer] = await pair()
      const shop = await openShop(owner)
      const { uuid } = (await buyer.createThread({ participants: [buyer.address], shop_id: shop.id })).thread
      expect(await buyer.lookup([buyer.address], shop.id)).toEqual({
        thread: { uuid, participants: [buyer.address, owner.address], shop_id: shop.id },
      })
      expect((await buyer.lookup([buyer.address, owner.address], shop.id)).thread.uuid).toBe(uuid)
      await expectError(buyer.lookup([buyer.address, owner.address]), 404, NOT_FOUND)
    })

    it('answers 404 when no such thread exists, or the caller deleted it', async () => {
      const [alice, bob] = await pair()
      const carol = await server.signIn()
      const { uuid } = await threadOf(alice, bob)
      await expectError(alice.lookup([alice.address, carol.address]), 404, NOT_FOUND)
      await expectError(alice.lookup([alice.address, bob.address, carol.address]), 404, NOT_FOUND)
      await alice.deleteThread(uuid)
      await expectError(alice.lookup([alice.address, bob.address]), 404, NOT_FOUND)
    })

    it('refuses 403 when the caller is not among the participants', async () => {
      const [alice, bob] = await pair()
      const carol = await server.signIn()
      await threadOf(alice, bob)
      await expectError(carol.lookup([alice.address, bob.address]), 403, { detail: 'You must be one of the participants.' })
    })

    it('validates participants with 400', async () => {
      const alice = await server.signIn()
      await expectError(alice.lookup([alice.address, 'nope']), 400, { participants: ['"nope" is not a valid VFX address.'] })
      const missing = await raw(server, 'GET', '/api/chat/lookup/', { token: alice.token })
      expect(missing).toMatchObject({ status: 400, json: { participants: ['This field is required.'] } })
    })

    it('answers 404 for an unknown shop', async () => {
      const [alice, bob] = await pair()
      await expectError(alice.lookup([alice.address, bob.address], 999_999), 404, NOT_FOUND)
    })
  })
})
