import { afterAll, beforeAll, describe, expect, it, onTestFinished as onFinished } from 'vitest'
import { ApiError, VfxChatClient } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { subscribe, type Subscription } from '../../src/sdk/stream.js'
import { messagesOf, openSse, pause, Received, type SseClient } from '../features/streams/clients.js'
import { startNginx, type Nginx } from '../helpers/nginx.js'
import { spawnNodes, type NodeProcess } from '../helpers/node-processes.js'
import { postgresSchema } from '../helpers/postgres.js'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

// Real processes on one PostgreSQL schema and one Redis, failing as they do in production:
// a node killed between its commits and its publishes, Redis restarting, a rolling restart
// behind nginx. Every acknowledged message must still reach every open stream, once, in order.

const DELIVERY_LIMIT_MS = 10_000
/** Each sender's pause between sends: steady load that leaves a core for restarting nodes. */
const SEND_INTERVAL_MS = 20

// One deployment for the whole file (a node takes seconds to start): two nodes on a fresh
// schema, a Redis of the file's own, and nginx in front. Node B reaches Redis through a proxy
// the test can hold: what B commits then is acknowledged and never published, the moment a
// SIGKILL after a commit leaves.
let redis: PrivateRedis
let proxy: TcpProxy
let nodeA: NodeProcess
let nodeB: NodeProcess
let nginx: Nginx
const cleanups: Array<() => unknown> = []

beforeAll(async () => {
  const database = await postgresSchema()
  cleanups.push(() => database.drop())
  redis = await startPrivateRedis()
  cleanups.push(() => redis.stop())
  proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(redis.url).port) })
  cleanups.push(() => proxy.close())
  const redisUrls = [redis.url, `redis://127.0.0.1:${proxy.port}`]
  const { nodes, kill } = await spawnNodes(2, (index) => ({ DATABASE_URL: database.url, REDIS_URL: redisUrls[index]! }))
  cleanups.push(kill)
  ;[nodeA, nodeB] = nodes as [NodeProcess, NodeProcess]
  nginx = await startNginx([nodeA.host, nodeB.host])
  cleanups.push(() => nginx.stop())
}, 60_000)

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function signIn(url: string): Promise<VfxChatClient & { address: string }> {
  const client = new VfxChatClient(url)
  const session = await client.signIn(VfxSigner.generate())
  return Object.assign(client, { address: session.address })
}

/** Senders and watchers in one thread; everyone is a participant, so every stream gets every message. */
async function conversation(url: string, senders: number, watchers: number) {
  const people = await Promise.all(Array.from({ length: senders + watchers }, () => signIn(url)))
  const { thread } = await people[0]!.createThread({ participants: people.map((p) => p.address) })
  return { thread, senders: people.slice(0, senders), everyone: people }
}

/**
 * Each sender sends one message after another to `target()` until `stopped()`, retrying a failed send with the
 * same client_id (as a client that lost its connection does) until it is acknowledged.
 */
function sendUntil(stopped: () => boolean, senders: readonly VfxChatClient[], thread: string, target: (seq: number) => string) {
  const acknowledged: number[] = []
  const loops = senders.map(async (sender, index) => {
    for (let seq = 0; !stopped(); seq++) {
      const clientId = `${index}-${seq}`
      for (;;) {
        try {
          const client = new VfxChatClient(target(seq), sender.token)
          const { body } = await client.exchange<{ id: number }>('POST', `/api/chat/${thread}/message/`, {
            body: { content: `message ${clientId}`, client_id: clientId },
          })
          acknowledged.push(body.id)
          await pause(SEND_INTERVAL_MS)
          break
        } catch (error) {
          // Refused connections, resets and 502s while a node is down; any 4xx is a bug.
          if (error instanceof ApiError && error.status < 500) throw error
          await pause(25)
        }
      }
    }
  })
  return { acknowledged, done: Promise.all(loops) }
}

/**
 * Every message of the thread, from the database, in id order: asked of node A itself, not
 * through nginx, which answers 502 once while it still counts both just-restarted nodes as down.
 */
async function storedIds(token: string, thread: string): Promise<number[]> {
  const reader = new VfxChatClient(nodeA.url, token)
  const ids: number[] = []
  for (let page = await reader.listMessages(thread, { after: 0, limit: 500 }); page.results.length > 0; ) {
    ids.push(...page.results.map((m) => m.id))
    page = await reader.listMessages(thread, { after: ids.at(-1)!, limit: 500 })
  }
  return ids
}

/** Each stream shows exactly `ids`, in order, and is still the connection it opened with. */
async function expectDeliveredOnce(streams: readonly SseClient[], ids: readonly number[]) {
  for (const stream of streams) {
    const events = await stream.events.until((all) => messagesOf(all).length >= ids.length, DELIVERY_LIMIT_MS)
    await pause(300) // anything more (a duplicate) would come now
    expect(messagesOf(events).map((m) => m.id)).toEqual(ids)
    expect(await Promise.race([stream.ended.then(() => 'ended'), pause(0).then(() => 'open')])).toBe('open')
  }
}

describe('a node killed between its commits and its publishes', () => {
  it("costs no live message on the other node's streams, which never reconnect", async () => {
    const { thread, senders, everyone } = await conversation(nodeA.url, 3, 2)
    const streams = await Promise.all(everyone.map((person) => openSse(nodeA.url, { token: person.token! })))
    onFinished(() => streams.forEach((stream) => stream.close()))

    let stopping = false
    const sending = sendUntil(() => stopping, senders, thread.uuid, () => nodeB.url)
    let unpublished = 0
    for (let kill = 0; kill < 2; kill++) {
      await pause(300 + Math.floor(Math.random() * 300))
      proxy.hold()
      const before = sending.acknowledged.length
      await pause(300)
      await nodeB.stop('SIGKILL')
      unpublished += sending.acknowledged.length - before
      proxy.reset()
      await nodeB.start()
    }
    await pause(300)
    stopping = true
    await sending.done

    const ids = await storedIds(everyone[0]!.token!, thread.uuid)
    expect(unpublished).toBeGreaterThan(0)
    expect(ids).toEqual(expect.arrayContaining(sending.acknowledged))
    await expectDeliveredOnce(streams, ids)
  }, 60_000)
})

describe('Redis restarting under load', () => {
  it('loses no live message, and /readyz reports the node while its bus is down', async () => {
    const { thread, senders, everyone } = await conversation(nodeA.url, 3, 2)
    const streams = await Promise.all(everyone.map((person) => openSse(nodeA.url, { token: person.token! })))
    onFinished(() => streams.forEach((stream) => stream.close()))

    let stopping = false
    const sending = sendUntil(() => stopping, senders, thread.uuid, (seq) => (seq % 4 === 0 ? nodeA.url : nodeB.url))
    const readiness = new Received<number>()
    const watching = (async () => {
      while (!stopping) {
        readiness.push((await fetch(`${nodeA.url}/readyz`)).status)
        await pause(50)
      }
    })()
    for (let restart = 0; restart < 2; restart++) {
      await pause(400)
      const seen = readiness.items.length
      await redis.restart(600)
      // The node said it was not ready while Redis was away, and is ready again after.
      await readiness.until((statuses) => statuses.slice(seen).includes(503))
      await readiness.until((statuses) => statuses.slice(statuses.lastIndexOf(503)).includes(200))
    }
    await pause(300)
    stopping = true
    await Promise.all([sending.done, watching])

    const ids = await storedIds(everyone[0]!.token!, thread.uuid)
    expect(ids).toEqual(expect.arrayContaining(sending.acknowledged))
    await expectDeliveredOnce(streams, ids)
  }, 60_000)
})

describe('a rolling restart of both nodes behind nginx', () => {
  it('loses no acknowledged send and no stream event; clients resume', async () => {
    const { thread, senders, everyone } = await conversation(nginx.url, 3, 2)
    const received = everyone.map(() => new Received<number>())
    const subscriptions: Subscription[] = everyone.map((person, i) =>
      subscribe(nginx.url, person.token!, { message: (message) => received[i]!.push(message.id) }, { afterId: 0, maxRetryMs: 500 }),
    )
    onFinished(() => subscriptions.forEach((subscription) => subscription.close()))

    let stopping = false
    const sending = sendUntil(() => stopping, senders, thread.uuid, () => nginx.url)
    for (const node of [nodeA, nodeB]) {
      await pause(500)
      await node.stop('SIGTERM')
      await node.start()
    }
    await pause(500)
    stopping = true
    await sending.done

    const ids = await storedIds(everyone[0]!.token!, thread.uuid)
    // Each acknowledged send is stored once: retries by client_id never made a second message.
    expect(ids).toEqual([...sending.acknowledged].sort((a, b) => a - b))
    for (const stream of received) {
      await stream.until((all) => all.length >= ids.length, DELIVERY_LIMIT_MS)
      await pause(300)
      expect(stream.items).toEqual(ids)
    }
  }, 60_000)
})
