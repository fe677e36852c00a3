import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisLimits } from '../../../src/core/limits/redis-limits.js'
import { LocalStreamSlots, type StreamSlots } from '../../../src/core/limits/stream-slots.js'
import { startPrivateRedis, type PrivateRedis } from '../../helpers/redis-server.js'

// A push waits for nobody: whether someone is looking is asked of the stream slots, which in a
// cluster count each address's streams on every node.
const CAPS = { maxStreamsPerAddress: 10, maxStreamsPerIp: 100 }
const silent = { warn: () => {}, info: () => {} }

describe('open streams, as the push worker asks for them', () => {
  let redis: PrivateRedis
  let nodes: RedisLimits[]
  beforeAll(async () => {
    redis = await startPrivateRedis()
    nodes = await Promise.all([RedisLimits.connect(redis.url, 'push-test', silent), RedisLimits.connect(redis.url, 'push-test', silent)])
  })
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()))
    await redis.stop()
  })

  it("on one node: the address's streams, till each is released", () => {
    const slots: StreamSlots = new LocalStreamSlots(CAPS)
    const release = [slots.acquire('R-bob', '127.0.0.1') as () => void, slots.acquire('R-bob', '127.0.0.2') as () => void]
    expect([slots.openFor('R-bob'), slots.openFor('R-carol')]).toEqual([2, 0])
    for (const done of release) done()
    expect(slots.openFor('R-bob')).toBe(0)
  })

  it('in a cluster: a stream held on one node is seen from the other, and its release too', async () => {
    const [nodeA, nodeB] = nodes.map((node) => node.streamSlots(CAPS)) as [StreamSlots, StreamSlots]
    const release = await nodeA.acquire('R-dave', '127.0.0.1')
    expect([await nodeB.openFor('R-dave'), await nodeB.openFor('R-erin')]).toEqual([1, 0])
    release()
    await expect.poll(() => nodeB.openFor('R-dave')).toBe(0)
  })
})
