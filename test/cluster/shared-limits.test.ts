import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, VfxChatClient } from '../../src/sdk/client.js'
import { openSse, openWs, pause } from '../features/streams/clients.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js'

// Limits counted once for the cluster: two nodes together allow what one node would.
let cluster: TestCluster | undefined
let redis: PrivateRedis | undefined
afterEach(async () => {
  await cluster?.destroy()
  await redis?.stop()
  cluster = redis = undefined
})

async function statusOf(call: Promise<unknown>): Promise<number> {
  return call.then(
    () => 200,
    (error: unknown) => {
      if (error instanceof ApiError) return error.status
      throw error
    },
  )
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

describe('limits shared by the nodes of a cluster', () => {
  it("counts an address's sends on every node against one bucket (RATE_LIMIT_SEND_BURST)", async () => {
    cluster = await startCluster({ RATE_LIMIT_SEND: '1', RATE_LIMIT_SEND_BURST: '4' })
    const alice = await cluster.nodeA.signIn()
    const bob = await cluster.nodeB.signIn()
    const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
    const onB = new VfxChatClient(cluster.nodeB.url, alice.token)
    const started = Date.now()
    const statuses = []
    for (let i = 0; i < 8; i++) statuses.push(await statusOf((i % 2 ? onB : alice).sendMessage(thread.uuid, { content: `m${i}` })))
    // The burst, plus what one token a second refilled meanwhile; counted per node it would be 8.
    const refilled = Math.floor((Date.now() - started) / 1000)
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200])
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(4 + refilled)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0)
    // Another address has a bucket of its own.
    expect(await statusOf(bob.sendMessage(thread.uuid, { content: 'mine' }))).toBe(200)
  })

  it('counts sign-in calls from one IP on every node against one window (RATE_LIMIT_SIGNIN)', async () => {
    cluster = await startCluster({ RATE_LIMIT_SIGNIN: '4' })
    const challenge = (url: string) =>
      fetch(`${url}/api/auth/challenge/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ address: 'R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR' }),
      })
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await challenge(i % 2 ? cluster.nodeB.url : cluster.nodeA.url))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429])
    expect(Number(answers[4]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await answers[4]!.json()).toEqual({ detail: 'Request was throttled.' })
  })

  it('relays a burst of typing notices once for the cluster, whichever node they come through', async () => {
    cluster = await startCluster()
    const alice = await cluster.nodeA.signIn()
    const bob = await cluster.nodeA.signIn()
    const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
    const stream = await openSse(cluster.nodeA.url, { token: bob.token! })
    const sockets = await Promise.all([cluster.nodeA.url, cluster.nodeB.url].map((url) => openWs(url, { token: alice.token! })))
    for (let i = 0; i < 8; i++) sockets[i % 2]!.send({ type: 'typing', thread_uuid: thread.uuid })
    await pause(800)
    expect(stream.events.items.filter((event) => event.type === 'typing')).toHaveLength(3)
    stream.close()
    for (const { socket } of sockets) socket.close()
  })

  it('caps the streams of an address and of an IP across nodes, and frees a slot when one closes', async () => {
    cluster = await startCluster({ MAX_STREAMS_PER_ADDRESS: '2', MAX_STREAMS_PER_IP: '3' })
    const { nodeA, nodeB } = cluster
    const [alice, bob] = [await nodeA.signIn(), await nodeA.signIn()]
    const first = await openSse(nodeA.url, { token: alice.token! })
    const second = await openSse(nodeB.url, { token: alice.token! })
    expect((await openSse(nodeA.url, { token: alice.token! })).response.statusCode).toBe(429)
    expect(await (await openWs(nodeB.url, { token: alice.token! })).closed).toBe(4429)
    // The IP's third stream is bob's first; its fourth is refused on either node.
    const third = await openSse(nodeB.url, { token: bob.token! })
    expect(third.response.statusCode).toBe(200)
    expect((await openSse(nodeA.url, { token: bob.token! })).response.statusCode).toBe(429)
    first.close()
    await expect.poll(async () => {
      const stream = await openSse(nodeB.url, { token: alice.token! })
      stream.close()
      return stream.response.statusCode
    }).toBe(200)
    second.close()
    third.close()
  })

  it('falls back to local limits while Redis is away, shows it in /metrics, and counts open streams in Redis again after', async () => {
    redis = await startPrivateRedis()
    cluster = await startCluster({ REDIS_URL: redis.url, MAX_STREAMS_PER_ADDRESS: '2', RATE_LIMIT_SEND: '1', RATE_LIMIT_SEND_BURST: '2' })
    const { nodeA, nodeB } = cluster
    const alice = await nodeA.signIn()
    const bob = await nodeA.signIn()
    const { thread } = await alice.createThread({ participants: [alice.address, bob.address] })
    expect(await gauge(nodeA.url, 'vfx_chat_limits_shared')).toBe(1)

    await redis.stop()
    // Down: each node still limits, by itself.
    await expect.poll(() => gauge(nodeA.url, 'vfx_chat_limits_shared')).toBe(0)
    expect(await gauge(nodeA.url, 'vfx_chat_event_bus_up')).toBe(0)
    const statuses = await Promise.all([0, 1, 2].map((i) => statusOf(alice.sendMessage(thread.uuid, { content: `m${i}` }))))
    expect(statuses.sort()).toEqual([200, 200, 429])
    const streams = [await openSse(nodeA.url, { token: alice.token! }), await openSse(nodeA.url, { token: alice.token! })]
    expect((await openSse(nodeA.url, { token: alice.token! })).response.statusCode).toBe(429)

    // Back, and empty: node A writes its two open streams back, so node B refuses a third.
    await redis.start()
    await expect.poll(() => gauge(nodeA.url, 'vfx_chat_limits_shared'), { timeout: 5000 }).toBe(1)
    expect((await openSse(nodeB.url, { token: alice.token! })).response.statusCode).toBe(429)
    for (const stream of streams) stream.close()
  })
})
