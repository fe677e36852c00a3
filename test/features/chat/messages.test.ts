import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aMessage, expectError, follow, link, NOT_FOUND, raw } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ MAX_MESSAGE_LENGTH: '5' }, { engine })
  })
  afterAll(() => server.destroy())

  type Client = Awaited<ReturnType<TestServer['signIn']>>

  /** Two signed-in addresses and their thread. */
  async function conversation(): Promise<{ alice: Client; bob: Client; uuid: string }> {
    const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
    const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
    return { alice, bob, uuid: thread.uuid }
  }

  async function send(client: Client, uuid: string, contents: string[]) {
    const ids: number[] = []
    for (const content of contents) ids.push((await client.sendMessage(uuid, { content })).message.id)
    return ids
  }

  describe('POST /api/chat/{uuid}/message/', () => {
    it('sends: 201 with the message, from the caller, unread', async () => {
      const { alice, uuid } = await conversation()
      const before = Date.now()
      const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, body: { content: 'hey' } })
      expect(answer.status).toBe(201)
      expect(answer.json).toEqual(aMessage({ sender: alice.address, content: 'hey', is_read: false, thread_uuid: uuid }))
      const { timestamp } = answer.json as { timestamp: string }
      expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before - 5)
    })

    it("updates the thread's updated_at and last_message", async () => {
      const { alice, bob, uuid } = await conversation()
      const { message } = await bob.sendMessage(uuid, { content: 'news' })
      expect(await alice.getThread(uuid)).toMatchObject({ updated_at: message.timestamp, last_message: 'news' })
    })

    it('numbers messages in send order across threads', async () => {
      const first = await conversation()
      const second = await conversation()
      const a = await first.alice.sendMessage(first.uuid, { content: 'a' })
      const b = await second.alice.sendMessage(second.uuid, { content: 'b' })
      const c = await first.bob.sendMessage(first.uuid, { content: 'c' })
      expect(a.message.id).toBeLessThan(b.message.id)
      expect(b.message.id).toBeLessThan(c.message.id)
    })

    it('stores content exactly as sent', async () => {
      const { alice, bob, uuid } = await conversation()
      for (const content of [' pad ', 'a\nb', '<b>&', '😀😀😀😀😀', 'é\u0301']) {
        await alice.sendMessage(uuid, { content })
      }
      expect((await bob.listMessages(uuid)).results.map((m) => m.content)).toEqual([' pad ', 'a\nb', '<b>&', '😀😀😀😀😀', 'é\u0301'])
    })

    it('accepts a sender equal to the caller', async () => {
      const { alice, uuid } = await conversation()
      expect((await alice.sendMessage(uuid, { content: 'me', sender: alice.address })).message.sender).toBe(alice.address)
    })

    it('refuses a spoofed sender with 403, storing nothing', async () => {
      const { alice, bob, uuid } = await conversation()
      await expectError(alice.sendMessage(uuid, { content: 'fake', sender: bob.address }), 403, {
        detail: 'sender must be the signed-in address.',
      })
      expect((await bob.listMessages(uuid)).count).toBe(0)
    })

    describe('content validation: 400 on content', () => {
      it('missing', async () => {
        const { alice, uuid } = await conversation()
        const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, body: {} })
        expect(answer).toMatchObject({ status: 400, json: { content: ['This field is required.'] } })
      })

      it('blank or whitespace only', async () => {
        const { alice, uuid } = await conversation()
        for (const content of ['', ' ', '\n\t\r', '\u00a0\u2003']) {
          await expectError(alice.sendMessage(uuid, { content }), 400, { content: ['This field may not be blank.'] })
        }
      })

      it('over MAX_MESSAGE_LENGTH code points, counting an emoji as one', async () => {
        const { alice, uuid } = await conversation()
        // Five emoji are ten UTF-16 units but five code points: allowed with MAX_MESSAGE_LENGTH=5.
        expect((await alice.sendMessage(uuid, { content: '🙂🙂🙂🙂🙂' })).created).toBe(true)
        await expectError(alice.sendMessage(uuid, { content: '🙂🙂🙂🙂🙂🙂' }), 400, {
          content: ['Ensure this field has no more than 5 characters.'],
        })
        await expectError(alice.sendMessage(uuid, { content: 'abcdef' }), 400, {
          content: ['Ensure this field has no more than 5 characters.'],
        })
      })

      it('with a NUL character', async () => {
        const { alice, uuid } = await conversation()
        await expectError(alice.sendMessage(uuid, { content: 'a\u0000' }), 400, { content: ['Null characters are not allowed.'] })
      })

      it('not a string', async () => {
        const { alice, uuid } = await conversation()
        for (const content of [['x'], { text: 'x' }, true, null]) {
          const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, body: { content } })
          expect({ content, status: answer.status, json: answer.json }).toEqual({
            content,
            status: 400,
            json: { content: ['Not a valid string.'] },
          })
        }
      })
    })

    describe('client_id: idempotent sends', () => {
      it('a resend answers 200 with the original message and stores nothing new', async () => {
        const { alice, bob, uuid } = await conversation()
        const first = await alice.sendMessage(uuid, { content: 'once', client_id: 'c-1' })
        expect(first.created).toBe(true)
        const again = await alice.sendMessage(uuid, { content: 'once', client_id: 'c-1' })
        expect(again).toEqual({ message: first.message, created: false })
        const changed = await alice.sendMessage(uuid, { content: 'new', client_id: 'c-1' })
        expect(changed).toEqual({ message: first.message, created: false })
        expect((await bob.listMessages(uuid)).count).toBe(1)
        expect(await bob.getThread(uuid)).toMatchObject({ unread_count: 1, last_message: 'once' })
      })

      it('the same client_id from the other participant is another message', async () => {
        const { alice, bob, uuid } = await conversation()
        const mine = await alice.sendMessage(uuid, { content: 'a', client_id: 'same' })
        const theirs = await bob.sendMessage(uuid, { content: 'b', client_id: 'same' })
        expect(theirs.created).toBe(true)
        expect(theirs.message.id).not.toBe(mine.message.id)
        expect((await alice.listMessages(uuid)).count).toBe(2)
      })

      it('the same client_id in another thread is another message', async () => {
        const one = await conversation()
        const { thread } = await one.alice.createThread({ participants: [one.alice.address, (await server.signIn()).address] })
        await one.alice.sendMessage(one.uuid, { content: 'a', client_id: 'k' })
        expect((await one.alice.sendMessage(thread.uuid, { content: 'a', client_id: 'k' })).created).toBe(true)
      })

      it('concurrent resends store one message', async () => {
        const { alice, bob, uuid } = await conversation()
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => alice.sendMessage(uuid, { content: 'race', client_id: 'r-1' })),
        )
        expect(answers.filter((a) => a.created)).toHaveLength(1)
        expect(new Set(answers.map((a) => a.message.id)).size).toBe(1)
        expect((await bob.listMessages(uuid)).count).toBe(1)
      })

      it('over 64 characters is 400 on client_id', async () => {
        const { alice, uuid } = await conversation()
        expect((await alice.sendMessage(uuid, { content: 'ok', client_id: 'x'.repeat(64) })).created).toBe(true)
        await expectError(alice.sendMessage(uuid, { content: 'no', client_id: 'x'.repeat(65) }), 400, {
          client_id: ['Ensure this field has no more than 64 characters.'],
        })
      })
    })
  })

  describe('GET /api/chat/{uuid}/message/ by page', () => {
    it('lists messages oldest first, 20 a page, with absolute next/previous links', async () => {
      const { alice, bob, uuid } = await conversation()
      await send(alice, uuid, Array.from({ length: 45 }, (_, i) => `m${i + 1}`))
      const base = `${server.url}/api/chat/${uuid}/message/`
      const first = await bob.listMessages(uuid)
      expect(first).toMatchObject({ count: 45, next: `${base}?page=2`, previous: null })
      expect(first.results.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`))
      expect(first.results[0]).toEqual(aMessage({ sender: alice.address, content: 'm1', is_read: false, thread_uuid: uuid }))
      const second = await bob.listMessages(uuid, { page: 2 })
      expect(second).toMatchObject({ count: 45, next: `${base}?page=3`, previous: base })
      const third = await bob.listMessages(uuid, { page: 3 })
      expect(third).toMatchObject({ count: 45, next: null, previous: `${base}?page=2` })
      expect(third.results.map((m) => m.content)).toEqual(['m41', 'm42', 'm43', 'm44', 'm45'])
    })

    it('answers 404 "Invalid page." past the end or for a page that is not a positive number', async () => {
      const { alice, uuid } = await conversation()
      await send(alice, uuid, ['one'])
      for (const page of ['2', '0', '-1', 'abc', '1.5']) {
        const answer = await raw(server, 'GET', `/api/chat/${uuid}/message/?page=${page}`, { token: alice.token })
        expect({ page, status: answer.status, json: answer.json }).toEqual({ page, status: 404, json: { detail: 'Invalid page.' } })
      }
    })

    it('answers an empty first page for a thread without messages', async () => {
      const { alice, uuid } = await conversation()
      expect(await alice.listMessages(uuid)).toEqual({ count: 0, next: null, previous: null, results: [] })
    })

    it('answers page=last with the last page, links as for its number, and an empty thread with its empty first page', async () => {
      const { alice, bob, uuid } = await conversation()
      await send(alice, uuid, Array.from({ length: 23 }, (_, i) => `m${i + 1}`))
      const last = await raw(server, 'GET', `/api/chat/${uuid}/message/?page=last&page_size=10`, { token: bob.token })
      expect(last.json).toEqual(await bob.listMessages(uuid, { page: 3, page_size: 10 }))
      expect(last.json).toMatchObject({ count: 23, next: null, previous: `${server.url}/api/chat/${uuid}/message/?page=2&page_size=10` })
      expect((last.json as { results: Array<{ content: string }> }).results.map((m) => m.content)).toEqual(['m21', 'm22', 'm23'])
      const empty = await conversation()
      const none = await raw(server, 'GET', `/api/chat/${empty.uuid}/message/?page=last`, { token: empty.alice.token })
      expect(none.json).toEqual({ count: 0, next: null, previous: null, results: [] })
    })
  })

  describe('GET /api/chat/{uuid}/message/ by cursor', () => {
    let alice: Client
    let uuid: string
    let ids: number[]
    beforeAll(async () => {
      ;({ alice, uuid } = await conversation())
      ids = await send(alice, uuid, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'])
    })
    const base = () => `${server.url}/api/chat/${uuid}/message/`
    const contents = (page: { results: { content: string }[] }) => page.results.map((m) => m.content)

    it('after=<id> answers the first `limit` messages after it, with cursor links', async () => {
      const page = await alice.listMessages(uuid, { after: ids[1]!, limit: 3 })
      expect(contents(page)).toEqual(['m3', 'm4', 'm5'])
      expect(page.count).toBe(7)
      expect(link(page.next)).toEqual({ url: base(), query: { after: String(ids[4]), limit: '3' } })
      expect(link(page.previous)).toEqual({ url: base(), query: { before: String(ids[2]), limit: '3' } })
    })

    it('before=<id> answers the `limit` messages just before it, oldest first', async () => {
      const page = await alice.listMessages(uuid, { before: ids[5]!, limit: 3 })
      expect(contents(page)).toEqual(['m3', 'm4', 'm5'])
      expect(page.count).toBe(7)
      expect(link(page.next)).toEqual({ url: base(), query: { after: String(ids[4]), limit: '3' } })
      expect(link(page.previous)).toEqual({ url: base(), query: { before: String(ids[2]), limit: '3' } })
    })

    it('following next and previous walks the whole thread without gaps, null at the ends', async () => {
      expect(await follow(`${base()}?after=0&limit=3`, alice.token!)).toEqual([['m1', 'm2', 'm3'], ['m4', 'm5', 'm6'], ['m7']])
      expect(await follow(`${base()}?before=${ids[6]! + 1}&limit=3`, alice.token!, 'previous')).toEqual([
        ['m5', 'm6', 'm7'],
        ['m2', 'm3', 'm4'],
        ['m1'],
      ])
      const oldest = await alice.listMessages(uuid, { before: ids[2]!, limit: 5 })
      expect(contents(oldest)).toEqual(['m1', 'm2'])
      expect(oldest.previous).toBeNull()
      const newest = await alice.listMessages(uuid, { after: ids[4]!, limit: 5 })
      expect(contents(newest)).toEqual(['m6', 'm7'])
      expect(newest.next).toBeNull()
    })

    it('limit defaults to 50 and is capped at 500', async () => {
      const page = await alice.listMessages(uuid, { after: 0 })
      expect(page.results).toHaveLength(7)
      const capped = await alice.listMessages(uuid, { after: 0, limit: 100_000 })
      expect(capped.results).toHaveLength(7)
    })

    it('answers an empty slice past the end, with no links', async () => {
      expect(await alice.listMessages(uuid, { after: ids[6]! })).toEqual({ count: 7, next: null, previous: null, results: [] })
    })

    it('refuses a cursor or limit that is not a number with 400 on the parameter', async () => {
      for (const [query, field] of [
        ['after=abc', 'after'],
        ['before=-1', 'before'],
        ['after=1&limit=0', 'limit'],
        ['after=1&limit=x', 'limit'],
      ] as const) {
        const answer = await raw(server, 'GET', `/api/chat/${uuid}/message/?${query}`, { token: alice.token })
        expect({ query, status: answer.status, fields: Object.keys(answer.json as object) }).toEqual({ query, status: 400, fields: [field] })
      }
    })
  })

  describe('send rate limit (RATE_LIMIT_SEND, RATE_LIMIT_SEND_BURST)', () => {
    it('answers the third quick send with 429, Retry-After and a detail', async () => {
      const limited = await startTestServer({ RATE_LIMIT_SEND: '1', RATE_LIMIT_SEND_BURST: '2' }, { engine })
      try {
        const [alice, bob] = await Promise.all([limited.signIn(), limited.signIn()])
        const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'one' })
        await alice.sendMessage(thread.uuid, { content: 'two' })
        const error = await expectError(alice.sendMessage(thread.uuid, { content: 'three' }), 429, {
          detail: 'Request was throttled.',
        })
        expect(error.headers.get('retry-after')).toBe('1')
        // The limit is per address: the other participant may still send.
        expect((await bob.sendMessage(thread.uuid, { content: 'mine' })).created).toBe(true)
        expect((await bob.listMessages(thread.uuid)).count).toBe(3)
      } finally {
        await limited.destroy()
      }
    })
  })

  describe('a thread that does not exist', () => {
    it('answers 404 on its messages', async () => {
      const alice = await server.signIn()
      await expectError(alice.listMessages('00000000-0000-4000-8000-000000000000'), 404, NOT_FOUND)
    })
  })
})
