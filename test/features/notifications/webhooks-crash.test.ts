import { afterEach, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { serversOnFreshFolder } from '../../helpers/child-server.js'
import { startReceiver, type Receiver, type Received } from '../../helpers/webhook-receiver.js'

const MESSAGES = 5

// A short timeout and lease: a killed node's deliveries are taken over two seconds later.
const data = serversOnFreshFolder('vfx-chat-webhooks-crash-', { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '100' })

async function signIn(url: string) {
  const client = new VfxChatClient(url)
  const { address } = await client.signIn(VfxSigner.generate())
  return Object.assign(client, { address })
}

let receiver: Receiver | undefined
afterEach(() => receiver?.close())

describe('SIGKILL of the server mid-delivery', () => {
  it('loses no event: after the restart every one is delivered at least once, signed, under the id it had before', async () => {
    receiver = await startReceiver()
    // Until the kill the endpoint holds every request open: each delivery is in flight when the server dies.
    receiver.answerWith(() => 'hang')
    const server = await data.start()
    const [owner, alice] = await Promise.all([signIn(server.url), signIn(server.url)])
    const created = await owner.exchange<{ secret: string }>('POST', '/api/webhooks/', { body: { url: receiver.url, events: ['message.created'] } })
    receiver.trust(created.body.secret)
    const { thread } = await alice.createThread({ participants: [alice.address, owner.address] })
    const contents = Array.from({ length: MESSAGES }, (_, index) => `order ${index}`)
    for (const content of contents) await alice.sendMessage(thread.uuid, { content })
    await receiver.until((received) => new Set(received.map((entry) => entry.event.id)).size === MESSAGES)
    const before = new Map(receiver.received.map((entry) => [entry.event.id, entry.event.data.content]))

    server.child.kill('SIGKILL')
    await server.exited
    const answered: Received[] = []
    receiver.answerWith((entry) => {
      answered.push(entry)
      return 200
    })
    await data.start()

    await receiver.until(() => new Set(answered.map((entry) => entry.event.id)).size === MESSAGES, 20_000)
    // None lost, none invented: the same events, under the same ids, each with its own words.
    expect(new Map(answered.map((entry) => [entry.event.id, entry.event.data.content]))).toEqual(before)
    expect([...before.values()].sort()).toEqual(contents)
    expect(answered.every((entry) => entry.signedBy.length === 1 && entry.fresh)).toBe(true)
  })
})
