import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { raw } from '../../helpers/contract.js'
import { startCluster, type TestCluster } from '../../helpers/cluster.js'
import { startReceiver, type Receiver } from '../../helpers/webhook-receiver.js'

const MESSAGES = 40

describe('two nodes on one PostgreSQL database', () => {
  let cluster: TestCluster
  let receiver: Receiver
  beforeAll(async () => {
    cluster = await startCluster({ WEBHOOK_ALLOW_PRIVATE: '1' })
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await receiver.close()
    await cluster.destroy()
  })

  it('make each delivery once while both nodes work the one queue (FOR UPDATE SKIP LOCKED): no event is sent twice', async () => {
    const { nodeA, nodeB } = cluster
    const [owner, alice] = await Promise.all([nodeA.signIn(), nodeB.signIn()])
    const created = await raw(nodeA, 'POST', '/api/webhooks/', { token: owner.token, body: { url: receiver.url, events: ['message.created'] } })
    receiver.trust((created.json as { secret: string }).secret)
    const { thread } = await alice.createThread({ participants: [alice.address, owner.address] })
    // Messages sent on both nodes: each node fans out and delivers, woken by its own and the other's commits.
    const onNodes = [alice, new VfxChatClient(nodeA.url, alice.token)]
    await Promise.all(Array.from({ length: MESSAGES }, (_, index) => onNodes[index % 2]!.sendMessage(thread.uuid, { content: `m${index}` })))
    await receiver.until((received) => received.length >= MESSAGES, 20_000)
    await vi.waitFor(async () => expect(await nodeA.webhooks.queued()).toBe(0), { timeout: 10_000 })
    expect(receiver.verified()).toHaveLength(MESSAGES)
    expect(new Set(receiver.received.map((entry) => entry.event.id)).size).toBe(MESSAGES)
    expect(receiver.received.map((entry) => entry.event.data.content).sort()).toEqual(Array.from({ length: MESSAGES }, (_, index) => `m${index}`).sort())
  })
})
