import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BLOCKED } from '../../../src/features/blocks/index.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError, NOT_FOUND, raw, TIME } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { openSse, openWs, pause } from '../streams/clients.js'

const REFUSED = { detail: BLOCKED }

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  describe('/api/blocks/', () => {
    it('blocks an address once (201, then 200 with the same block), lists it, and unblocks it (204, then 404)', async () => {
      const [alice, bob] = await Promise.all([server.signIn(), server.signIn()])
      const first = await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })
      expect({ status: first.status, body: first.json }).toEqual({ status: 201, body: { address: bob.address, created_at: expect.stringMatching(TIME) } })
      const again = await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })
      expect({ status: again.status, body: again.json }).toEqual({ status: 200, body: first.json })
      const list = await raw(server, 'GET', '/api/blocks/', { token: alice.token })
      expect(list.json).toEqual({ count: 1, next: null, previous: null, results: [first.json] })
      // Nobody else sees it.
      expect((await raw(server, 'GET', '/api/blocks/', { token: bob.token })).json).toMatchObject({ count: 0 })

      expect((await raw(server, 'DELETE', `/api/blocks/${bob.address}/`, { token: alice.token })).status).toBe(204)
      const gone = await raw(server, 'DELETE', `/api/blocks/${bob.address}/`, { token: alice.token })
      expect({ status: gone.status, body: gone.json }).toEqual({ status: 404, body: NOT_FOUND })
    })

    it('refuses an invalid address and oneself with 400 on address', async () => {
      const alice = await server.signIn()
      for (const [address, message] of [
        ['R-not-an-address', 'Enter a valid VFX mainnet address.'],
        [alice.address, 'You cannot block yourself.'],
      ]) {
        const answer = await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address } })
        expect({ status: answer.status, body: answer.json }).toEqual({ status: 400, body: { address: [message] } })
      }
    })

    it('needs a signed-in caller', async () => {
      expect((await raw(server, 'GET', '/api/blocks/')).status).toBe(401)
      expect((await raw(server, 'POST', '/api/blocks/', { body: { address: VfxSigner.generate().address } })).status).toBe(401)
    })
  })

  describe('a block holds on every path', () => {
    it('refuses the blocked address a new thread, a lookup, a participant change, and a send over HTTP or WebSocket', async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      const { thread: shared } = await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'hi' })
      const { thread: withCarol } = await bob.createThread({ participants: [bob.address, carol.address] })
      await alice.sendMessage(shared.uuid, { content: 'hello' })
      await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })

      await expectError(bob.createThread({ participants: [bob.address, alice.address, carol.address] }), 403, REFUSED)
      await expectError(bob.createThread({ participants: [bob.address, alice.address], initial_message: 'again?' }), 403, REFUSED)
      await expectError(bob.lookup([bob.address, alice.address]), 403, REFUSED)
      await expectError(bob.updateThread(withCarol.uuid, { participants: [bob.address, carol.address, alice.address] }), 403, REFUSED)
      await expectError(bob.sendMessage(shared.uuid, { content: 'please' }), 403, REFUSED)

      const ws = await openWs(server.url, { token: bob.token! })
      ws.send({ type: 'send', thread_uuid: shared.uuid, content: 'over the socket', client_id: 'w-1' })
      const [frame] = await ws.frames.until((frames) => frames.length >= 1)
      expect(frame).toEqual({ type: 'error', data: { client_id: 'w-1', status: 403, body: REFUSED } })
      ws.socket.close()

      // Nothing reached alice; carol's own thread with bob is untouched and bob can still use it.
      expect((await alice.getThread(shared.uuid)).messages.map((m) => m.content)).toEqual(['hi', 'hello'])
      await expect(bob.sendMessage(withCarol.uuid, { content: 'still fine' })).resolves.toMatchObject({ created: true })
      // The blocker may still write (and unblocking lifts every refusal).
      await expect(alice.sendMessage(shared.uuid, { content: 'last word' })).resolves.toMatchObject({ created: true })
      await raw(server, 'DELETE', `/api/blocks/${bob.address}/`, { token: alice.token })
      await expect(bob.sendMessage(shared.uuid, { content: 'thanks' })).resolves.toMatchObject({ created: true })
    })

    it("keeps the blocker's reading and typing from the blocked, and no one else", async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      const { thread: pair } = await bob.createThread({ participants: [bob.address, alice.address] })
      const { thread: group } = await bob.createThread({ participants: [bob.address, alice.address, carol.address] })
      const { message } = await bob.sendMessage(pair.uuid, { content: 'did you read this?' })
      await bob.sendMessage(group.uuid, { content: 'group hello' })
      await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })

      const bobStream = await openSse(server.url, { token: bob.token! })
      const carolStream = await openSse(server.url, { token: carol.token! })
      const aliceWs = await openWs(server.url, { token: alice.token! })
      aliceWs.send({ type: 'typing', thread_uuid: group.uuid })
      await alice.markRead(pair.uuid)
      await alice.markRead(group.uuid)
      await carolStream.events.until((events) => events.some((e) => e.type === 'typing') && events.some((e) => e.type === 'read'))
      await pause(300)
      expect(bobStream.events.items.filter((e) => e.type === 'typing' || e.type === 'read')).toEqual([])

      // Bob's views show his message unread by alice, whatever she did.
      expect((await bob.getThread(pair.uuid)).messages.find((m) => m.id === message.id)?.is_read).toBe(false)
      expect((await bob.listMessages(pair.uuid)).results[0]?.is_read).toBe(false)
      expect((await alice.getThread(pair.uuid)).messages[0]?.is_read).toBe(true)
      bobStream.close()
      carolStream.close()
      aliceWs.socket.close()
    })

    it("hides from the blocker's inbox the threads whose only other participant is blocked, until unblocked", async () => {
      const [alice, bob, carol] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
      const { thread: pair } = await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'spam' })
      const { thread: group } = await bob.createThread({ participants: [bob.address, alice.address, carol.address] })
      await raw(server, 'POST', '/api/blocks/', { token: alice.token, body: { address: bob.address } })
      const inbox = await alice.listThreads()
      expect({ count: inbox.count, uuids: inbox.results.map((t) => t.uuid) }).toEqual({ count: 1, uuids: [group.uuid] })
      await raw(server, 'DELETE', `/api/blocks/${bob.address}/`, { token: alice.token })
      expect((await alice.listThreads()).results.map((t) => t.uuid).sort()).toEqual([pair.uuid, group.uuid].sort())
    })
  })
})
