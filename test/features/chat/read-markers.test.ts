import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectError, expectReadRaceEndsAtFurthest, raw } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  type Client = Awaited<ReturnType<TestServer['signIn']>>

  async function group(size: number): Promise<{ members: Client[]; uuid: string }> {
    const members = await Promise.all(Array.from({ length: size }, () => server.signIn()))
    const { thread } = await members[0]!.createThread({ participants: members.map((m) => m.address) })
    return { members, uuid: thread.uuid }
  }

  async function send(client: Client, uuid: string, count: number): Promise<number[]> {
    const ids: number[] = []
    for (let i = 0; i < count; i++) ids.push((await client.sendMessage(uuid, { content: `m${i}` })).message.id)
    return ids
  }

  async function readStates(client: Client, uuid: string) {
    return (await client.listMessages(uuid)).results.map((m) => m.is_read)
  }

  describe('POST /api/chat/{uuid}/read/', () => {
    it('without up_to moves the marker to the latest message', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      const ids = await send(alice!, uuid, 3)
      expect(await bob!.markRead(uuid)).toEqual({ uuid, last_read_id: ids[2], unread_count: 0 })
    })

    it('answers 200 with no body at all', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      const [id] = await send(alice!, uuid, 1)
      const answer = await raw(server, 'POST', `/api/chat/${uuid}/read/`, { token: bob!.token })
      expect(answer).toMatchObject({ status: 200, json: { uuid, last_read_id: id, unread_count: 0 } })
    })

    it('with up_to moves it there and counts what is left', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      const ids = await send(alice!, uuid, 4)
      expect(await bob!.markRead(uuid, ids[1])).toEqual({ uuid, last_read_id: ids[1], unread_count: 2 })
      expect((await bob!.getThread(uuid)).unread_count).toBe(2)
      expect(await readStates(alice!, uuid)).toEqual([true, true, false, false])
    })

    it('never moves back: an older up_to answers 200 with the marker unchanged', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      const ids = await send(alice!, uuid, 3)
      await bob!.markRead(uuid, ids[2])
      expect(await bob!.markRead(uuid, ids[0])).toEqual({ uuid, last_read_id: ids[2], unread_count: 0 })
      expect(await readStates(alice!, uuid)).toEqual([true, true, true])
    })

    it('ends at the furthest of many racing calls', async () => {
      await expectReadRaceEndsAtFurthest(server)
    })

    it('refuses an up_to that is not a message of this thread with 400', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      const other = await group(2)
      const [elsewhere] = await send(other.members[0]!, other.uuid, 1)
      await send(alice!, uuid, 1)
      for (const upTo of [elsewhere!, 2_000_000_000]) {
        await expectError(bob!.markRead(uuid, upTo), 400, { up_to: ['Not a message of this thread.'] })
      }
    })

    it('refuses an up_to that is not a positive integer with 400', async () => {
      const { members: [alice], uuid } = await group(2)
      for (const [up_to, message] of [
        ['abc', 'A valid integer is required.'],
        [1.5, 'A valid integer is required.'],
        [null, 'A valid integer is required.'],
        [0, 'Ensure this value is greater than or equal to 1.'],
      ] as const) {
        const answer = await raw(server, 'POST', `/api/chat/${uuid}/read/`, { token: alice!.token, body: { up_to } })
        expect({ up_to, status: answer.status, json: answer.json }).toEqual({ up_to, status: 400, json: { up_to: [message] } })
      }
    })

    it('on a thread without messages answers a zero marker', async () => {
      const { members: [alice], uuid } = await group(2)
      expect(await alice!.markRead(uuid)).toEqual({ uuid, last_read_id: 0, unread_count: 0 })
    })
  })

  describe('is_read and unread_count between two participants', () => {
    it("counts the other's messages after the marker, never one's own", async () => {
      const { members: [alice, bob], uuid } = await group(2)
      await send(alice!, uuid, 2)
      expect((await alice!.getThread(uuid)).unread_count).toBe(0)
      expect((await bob!.getThread(uuid)).unread_count).toBe(2)
      expect((await bob!.listThreads()).results[0]!.unread_count).toBe(2)
      expect(await readStates(bob!, uuid)).toEqual([false, false])
    })

    it('replying marks everything before the reply read for the replier', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      await send(alice!, uuid, 2)
      await send(bob!, uuid, 1)
      expect((await bob!.getThread(uuid)).unread_count).toBe(0)
      expect(await readStates(alice!, uuid)).toEqual([true, true, false])
      expect((await alice!.getThread(uuid)).unread_count).toBe(1)
    })
  })

  describe('is_read among three participants', () => {
    it('is true only once every participant other than the sender has read the message', async () => {
      const { members: [alice, bob, carol], uuid } = await group(3)
      const [id] = await send(alice!, uuid, 1)
      await bob!.markRead(uuid, id)
      expect(await readStates(alice!, uuid)).toEqual([false])
      expect((await carol!.getThread(uuid)).unread_count).toBe(1)
      await carol!.updateThread(uuid, { is_read: true })
      expect(await readStates(alice!, uuid)).toEqual([true])
      expect(await readStates(bob!, uuid)).toEqual([true])
    })
  })

  describe('PATCH {"is_read": true}', () => {
    it('marks every message read for the caller and returns the detail', async () => {
      const { members: [alice, bob], uuid } = await group(2)
      await send(alice!, uuid, 3)
      const thread = await bob!.updateThread(uuid, { is_read: true })
      expect(thread.unread_count).toBe(0)
      expect(thread.messages.map((m) => m.is_read)).toEqual([true, true, true])
      expect(await bob!.markRead(uuid)).toMatchObject({ unread_count: 0, last_read_id: thread.messages[2]!.id })
    })
  })
})
