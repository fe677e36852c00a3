import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aMessage, expectError, follow, link, raw } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  type Client = Awaited<ReturnType<TestServer['signIn']>>

  /** Alice with two threads, one with Bob and one with Carol. */
  async function inbox() {
    const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
    const withBob = (await bob.createThread({ participants: [bob.address, alice.address] })).thread.uuid
    const withCarol = (await carol.createThread({ participants: [carol.address, alice.address] })).thread.uuid
    return { alice, bob, carol, withBob, withCarol }
  }

  async function say(client: Client, uuid: string, content: string) {
    return (await client.sendMessage(uuid, { content })).message
  }

  const contents = (answer: { results: { content: string }[] }) => answer.results.map((m) => m.content)

  describe('GET /api/chat/new-messages/', () => {
    it("without since or after_id answers the caller's unread messages from others, oldest first", async () => {
      const { alice, bob, carol, withBob, withCarol } = await inbox()
      const b1 = await say(bob, withBob, 'b1')
      await say(carol, withCarol, 'c1')
      await say(alice, withBob, 'mine')
      await say(bob, withBob, 'b2')
      const answer = await alice.newMessages({ address: alice.address })
      expect(answer).toEqual({
        count: 2,
        next: null,
        results: [
          aMessage({ sender: carol.address, content: 'c1', is_read: false, thread_uuid: withCarol }),
          aMessage({ sender: bob.address, content: 'b2', is_read: false, thread_uuid: withBob }),
        ],
      })
      // Alice's reply read b1; reading Carol's thread empties the rest of the unread form.
      expect(answer.results.map((m) => m.id)).not.toContain(b1.id)
      await alice.markRead(withCarol)
      expect(contents(await alice.newMessages())).toEqual(['b2'])
    })

    it('with after_id answers every message from others with a greater id, read or not', async () => {
      const { alice, bob, carol, withBob, withCarol } = await inbox()
      const b1 = await say(bob, withBob, 'b1')
      await say(carol, withCarol, 'c1')
      await say(alice, withCarol, 'mine')
      await say(bob, withBob, 'b2')
      await alice.markRead(withBob)
      const answer = await alice.newMessages({ after_id: b1.id })
      expect(contents(answer)).toEqual(['c1', 'b2'])
      expect(answer.results.map((m) => m.is_read)).toEqual([true, true])
      expect(contents(await alice.newMessages({ after_id: 0 }))).toEqual(['b1', 'c1', 'b2'])
    })

    it('with since answers messages strictly after that time', async () => {
      const { alice, bob, withBob } = await inbox()
      const first = await say(bob, withBob, 'first')
      await sleep(5)
      await say(bob, withBob, 'second')
      expect(contents(await alice.newMessages({ since: first.timestamp }))).toEqual(['second'])
      expect(contents(await alice.newMessages({ since: '2000-01-01T00:00:00Z' }))).toEqual(['first', 'second'])
    })

    it('reads since in RFC 3339 with an offset, and a + that arrived as a space', async () => {
      const { alice, bob, withBob } = await inbox()
      const first = await say(bob, withBob, 'first')
      await sleep(5)
      await say(bob, withBob, 'second')
      const local = new Date(Date.parse(first.timestamp) + 2 * 3600_000).toISOString().replace('Z', '+02:00')
      const token = alice.token!
      for (const since of [encodeURIComponent(local), local]) {
        const answer = await raw(server, 'GET', `/api/chat/new-messages/?since=${since}`, { token })
        expect(answer.status).toBe(200)
        expect(contents(answer.json as { results: { content: string }[] })).toEqual(['second'])
      }
    })

    it('refuses a since that is not a time with 400 on since', async () => {
      const alice = await server.signIn()
      for (const since of ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T25:00:00Z', '']) {
        const answer = await raw(server, 'GET', `/api/chat/new-messages/?since=${encodeURIComponent(since)}`, { token: alice.token })
        expect({ since, status: answer.status, json: answer.json }).toEqual({
          since,
          status: 400,
          json: { since: ['Datetime has wrong format. Use RFC 3339, e.g. 2024-01-01T12:00:00Z.'] },
        })
      }
    })

    it('refuses an after_id or limit that is not a number with 400 on it', async () => {
      const alice = await server.signIn()
      for (const [query, field] of [
        ['after_id=abc', 'after_id'],
        ['after_id=-1', 'after_id'],
        ['limit=0', 'limit'],
        ['limit=many', 'limit'],
      ] as const) {
        const answer = await raw(server, 'GET', `/api/chat/new-messages/?${query}`, { token: alice.token })
        expect({ query, status: answer.status, fields: Object.keys(answer.json as object) }).toEqual({ query, status: 400, fields: [field] })
      }
    })

    it('counts all matches and links the next slice by after_id until the end', async () => {
      const { alice, bob, withBob } = await inbox()
      for (const content of ['1', '2', '3', '4', '5']) await say(bob, withBob, content)
      const first = await alice.newMessages({ after_id: 0, limit: 2 })
      expect(first.count).toBe(5)
      expect(contents(first)).toEqual(['1', '2'])
      expect(link(first.next)).toEqual({
        url: `${server.url}/api/chat/new-messages/`,
        query: { after_id: String(first.results[1]!.id), limit: '2' },
      })
      expect(await follow(first.next, alice.token!)).toEqual([['3', '4'], ['5']])
    })

    it('leaves out threads the caller deleted, until a new message brings them back', async () => {
      const { alice, bob, withBob } = await inbox()
      await say(bob, withBob, 'before')
      await alice.deleteThread(withBob)
      expect((await alice.newMessages({ after_id: 0 })).count).toBe(0)
      await say(bob, withBob, 'after')
      expect(contents(await alice.newMessages({ after_id: 0 }))).toEqual(['after'])
    })

    it('accepts address when it is the caller, and refuses 403 for anyone else', async () => {
      const { alice, bob } = await inbox()
      expect((await alice.newMessages({ address: alice.address })).count).toBe(0)
      await expectError(alice.newMessages({ address: bob.address }), 403, { detail: 'You can only read your own new messages.' })
    })
  })
})
