import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Engine } from '../../../src/core/database/engine.js'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { serversOnFreshFolder, spawnServer, type ChildServer } from '../../helpers/child-server.js'
import { forEachEngine } from '../../helpers/engines.js'
import { postgresSchema } from '../../helpers/postgres.js'
import { startReceiver, type Receiver, type Received } from '../../helpers/webhook-receiver.js'

const MESSAGES = 5

// A short timeout and lease: a killed node's deliveries are taken over four seconds later.
const SETTINGS = { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_BASE_MS: '100' }

/** Each test's servers, one after another on one fresh database: a SQLite file or a PostgreSQL schema. */
function serversOn(engine: Engine): { start(): Promise<ChildServer> } {
  if (engine === 'sqlite') return serversOnFreshFolder('vfx-chat-webhooks-crash-', SETTINGS)
  let schema: Awaited<ReturnType<typeof postgresSchema>>
  let servers: ChildServer[] = []
  beforeEach(async () => {
    schema = await postgresSchema()
    servers = []
  })
  afterEach(async () => {
    for (const server of servers) server.child.kill('SIGKILL')
    await Promise.all(servers.map((server) => server.exited))
    await schema.drop()
  })
  return {
    async start() {
      const server = await spawnServer({ ...SETTINGS, DATABASE_URL: schema.url })
      servers.push(server)
      return server
    },
  }
}

async function signIn(url: string) {
  const client = new VfxChatClient(url)
  const { address } = await client.signIn(VfxSigner.generate())
  return Object.assign(client, { address })
}

let receiver: Receiver | undefined
afterEach(() => receiver?.close())

forEachEngine((engine) => {
  const data = serversOn(engine)

  it('SIGKILLed mid-delivery, loses no event: after the restart every one is delivered at least once, signed, under the id it had before', async () => {
    receiver = await startReceiver()
    // Until the kill the endpoint holds every request open: each delivery is in flight when the server dies.
    receiver.answerWith(() => 'hang')
    const first = await data.start()
    const [owner, alice] = await Promise.all([signIn(first.url), signIn(first.url)])
    const created = await owner.exchange<{ secret: string }>('POST', '/api/webhooks/', { body: { url: receiver.url, events: ['message.created'] } })
    receiver.trust(created.body.secret)
    const { thread } = await alice.createThread({ participants: [alice.address, owner.address] })
    const contents = Array.from({ length: MESSAGES }, (_, index) => `order ${index}`)
    for (const content of contents) await alice.sendMessage(thread.uuid, { content })
    await receiver.until((received) => new Set(received.map((entry) => entry.event.id)).size === MESSAGES)
    const before = new Map(receiver.received.map((entry) => [entry.event.id, entry.event.data.content]))

    first.child.kill('SIGKILL')
    await first.exited
    const answered: Received[] = []
    receiver.answerWith((entry) => {
      answered.push(entry)
      return 200
    })
    const second = await data.start()

    await receiver.until(() => new Set(answered.map((entry) => entry.event.id)).size === MESSAGES, 20_000)
    // None lost, none invented: the same events, under the same ids, each with its own words.
    expect(new Map(answered.map((entry) => [entry.event.id, entry.event.data.content]))).toEqual(before)
    expect([...before.values()].sort()).toEqual(contents)
    expect(answered.every((entry) => entry.signedBy.length === 1 && entry.fresh)).toBe(true)
    // Neither process wrote the secret to its log.
    expect(`${first.output()}${second.output()}`).not.toContain(created.body.secret)
  })

  it('SIGTERMed mid-delivery, stops without waiting for the endpoint; the attempt it cut short counts for nothing and is made after the restart', async () => {
    receiver = await startReceiver()
    receiver.answerWith(() => 'hang')
    const first = await data.start()
    const owner = await signIn(first.url)
    const { id, secret } = (await owner.exchange<{ id: string; secret: string }>('POST', '/api/webhooks/', { body: { url: receiver.url, events: ['message.created'] } })).body
    receiver.trust(secret)
    await owner.exchange('POST', `/api/webhooks/${id}/test/`)
    await receiver.until((received) => received.length === 1)

    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })
    receiver.answerWith(() => 200)
    const cut = receiver.received.length
    const second = await data.start()
    const log = async () => (await new VfxChatClient(second.url, owner.token).exchange<{ results: { status: string; attempts: number }[] }>('GET', `/api/webhooks/${id}/deliveries/`)).body.results
    await expect.poll(async () => (await log())[0]?.status, { timeout: 20_000 }).toBe('delivered')
    // Every request the endpoint got is an attempt in the log but the one the shutdown cut short
    // (the last before it; a slow machine may have timed out earlier ones, which count).
    expect(new Set(receiver.received.map((entry) => entry.event.id)).size).toBe(1)
    expect(receiver.received.length).toBeGreaterThan(cut)
    expect((await log())[0]!.attempts).toBe(receiver.received.length - 1)
  })
})
