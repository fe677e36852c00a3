import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { startCluster, type TestCluster } from '../../helpers/cluster.js'
import type { TestServer } from '../../helpers/server.js'
import { messagesOf, openSse, openWs } from './clients.js'

// A stream on one node follows what happens on the other.
let cluster: TestCluster
let nodeA: TestServer
let nodeB: TestServer
beforeAll(async () => {
  cluster = await startCluster()
  nodeA = cluster.nodeA
  nodeB = cluster.nodeB
})
afterAll(() => cluster?.destroy())

describe('streams across nodes', () => {
  it('deliver on one node what was sent on the other, and resume there from the shared database', async () => {
    const buyer = await nodeA.signIn()
    const seller = await nodeA.signIn()
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    const sse = await openSse(nodeB.url, { token: seller.token! })
    const ws = await openWs(nodeB.url, { token: seller.token!, query: { after_id: 0 } })
    const { message } = await buyer.sendMessage(thread.uuid, { content: 'from node A' })
    await sse.events.until((events) => messagesOf(events).length === 1)
    expect(messagesOf(sse.events.items)).toEqual([message])
    await ws.frames.until((frames) => frames.length === 1)
    expect(ws.frames.items).toEqual([{ type: 'message', data: message }])
    sse.close()

    const missed = (await buyer.sendMessage(thread.uuid, { content: 'missed' })).message
    const resumed = await openSse(nodeB.url, { token: seller.token!, headers: { 'last-event-id': String(message.id) } })
    await resumed.events.until((events) => events.length === 1)
    expect(messagesOf(resumed.events.items)).toEqual([missed])
    resumed.close()
    ws.socket.close()
  })

  it('end on every node when the token signs out on one', async () => {
    const buyer = await nodeA.signIn()
    const onB = new VfxChatClient(nodeB.url, buyer.token)
    const sse = await openSse(nodeB.url, { token: buyer.token! })
    const ws = await openWs(nodeB.url, { token: buyer.token! })
    await buyer.signOut()
    await sse.ended
    expect(await ws.closed).toBe(4401)
    await expect(onB.listThreads()).rejects.toMatchObject({ status: 401 })
  })
})
