import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BusEvent } from '../../src/core/bus/event-bus.js'
import { ApiError, VfxChatClient } from '../../src/sdk/client.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import type { TestServer } from '../helpers/server.js'

// Two identical nodes on one PostgreSQL schema, sharing events through Redis: what a larger
// deployment runs.
let cluster: TestCluster
let nodeA: TestServer
let nodeB: TestServer

beforeAll(async () => {
  cluster = await startCluster()
  ;({ nodeA, nodeB } = cluster)
})

afterAll(() => cluster?.destroy())

describe('several nodes on PostgreSQL and Redis', () => {
  it('a token issued by one node works on the other, and logout revokes it on both', async () => {
    const alice = await nodeA.signIn()
    const onB = new VfxChatClient(nodeB.url, alice.token)
    expect((await onB.listThreads()).count).toBe(0)
    await alice.signOut()
    const error = await onB.listThreads().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
  })

  it('a sign-out on one node refuses the token on the other at once, though the other has it cached', async () => {
    for (let round = 0; round < 10; round++) {
      const alice = await nodeA.signIn()
      const onB = new VfxChatClient(nodeB.url, alice.token)
      // Checked twice on B: the second answer comes from B's cache.
      expect((await onB.listThreads()).count).toBe(0)
      expect((await onB.listThreads()).count).toBe(0)
      await alice.signOut()
      const error = await onB.listThreads().catch((e: unknown) => e)
      expect((error as ApiError).status).toBe(401)
    }
  })

  it('a message sent on one node is read on the other and its event reaches the other node', async () => {
    const buyer = await nodeA.signIn()
    const seller = await nodeB.signIn()
    const received: BusEvent[] = []
    const unsubscribe = nodeB.bus.subscribe((event) => {
      if (event.recipients.includes(seller.address)) received.push(event)
    })
    try {
      const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
      const { message } = await buyer.sendMessage(thread.uuid, { content: 'over the wire', client_id: 'c1' })
      const fresh = await seller.newMessages({ after_id: 0 })
      expect(fresh.results).toEqual([{ ...message }])
      await expect.poll(() => received.map((e) => e.type)).toEqual(['thread', 'message'])
      expect(received[1]).toMatchObject({ type: 'message', data: { id: message.id, content: 'over the wire' } })
    } finally {
      unsubscribe()
    }
  })

  it('concurrent sends from both nodes get distinct, increasing ids with nothing lost', async () => {
    const a = await nodeA.signIn()
    const b = await nodeB.signIn()
    const { thread } = await a.createThread({ participants: [a.address, b.address] })
    const sends = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).sendMessage(thread.uuid, { content: `m${i}` }).then((r) => r.message.id),
    )
    const ids = await Promise.all(sends)
    const stored = await a.listMessages(thread.uuid, { after: 0, limit: 500 })
    expect(stored.count).toBe(40)
    expect(stored.results.map((m) => m.id)).toEqual([...ids].sort((x, y) => x - y))
    expect(new Set(ids).size).toBe(40)
  })

  it('creating the same participant set on both nodes at once yields one thread', async () => {
    const a = await nodeA.signIn()
    const b = await nodeB.signIn()
    const [first, second] = await Promise.all([
      a.createThread({ participants: [a.address, b.address] }),
      b.createThread({ participants: [b.address, a.address] }),
    ])
    expect(first.thread.uuid).toBe(second.thread.uuid)
    expect([first.created, second.created].filter(Boolean)).toHaveLength(1)
  })
})
