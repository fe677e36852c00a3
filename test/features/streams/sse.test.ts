import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse, pairIn, pause } from './clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ STREAM_HEARTBEAT: '1' })
})
afterAll(() => server.destroy())

const pair = () => pairIn(server)

describe('GET /api/chat/stream/', () => {
  it('answers with an event stream that is never cached or buffered, and a retry hint', async () => {
    const { buyer } = await pair()
    const stream = await openSse(server.url, { token: buyer.token! })
    expect(stream.response.statusCode).toBe(200)
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(stream.response.headers['cache-control']).toBe('no-cache')
    expect(stream.response.headers['x-accel-buffering']).toBe('no')
    await stream.chunks.until((chunks) => chunks.join('').includes(': ping\n\n'), 3000)
    expect(stream.text().startsWith('retry: 2000\n\n')).toBe(true)
    stream.close()
  })

  it("delivers each participant's messages and read receipts to the other, live", async () => {
    const { buyer, seller, thread } = await pair()
    const buyerStream = await openSse(server.url, { token: buyer.token! })
    const sellerStream = await openSse(server.url, { token: seller.token! })

    const { message } = await seller.sendMessage(thread.uuid, { content: 'Still available?' })
    const [received] = await buyerStream.events.until((events) => events.length >= 1)
    expect(received).toMatchObject({ type: 'message', lastId: String(message.id) })
    expect(JSON.parse(received!.data)).toEqual({ ...message, thread_uuid: thread.uuid })
    // The sender's other devices see it too.
    await sellerStream.events.until((events) => messagesOf(events).some((m) => m.id === message.id))

    await buyer.markRead(thread.uuid, message.id)
    const read = { uuid: thread.uuid, address: buyer.address, last_read_id: message.id }
    for (const stream of [buyerStream, sellerStream]) {
      const events = await stream.events.until((all) => all.some((event) => event.type === 'read'))
      expect(JSON.parse(events.find((event) => event.type === 'read')!.data)).toEqual(read)
    }
    buyerStream.close()
    sellerStream.close()
  })

  it('tells participants about threads created and deleted for them', async () => {
    const buyer = await server.signIn()
    const seller = await server.signIn()
    const sellerStream = await openSse(server.url, { token: seller.token! })
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    await seller.deleteThread(thread.uuid)
    const events = await sellerStream.events.until((all) => all.length >= 2)
    expect(events.map((event) => [event.type, JSON.parse(event.data)])).toEqual([
      ['thread', { uuid: thread.uuid, action: 'created' }],
      ['thread', { uuid: thread.uuid, action: 'deleted' }],
    ])
    sellerStream.close()
  })

  it("gives a non-participant nothing of other people's threads", async () => {
    const { buyer, seller, thread } = await pair()
    const outsider = await server.signIn()
    const outsiderStream = await openSse(server.url, { token: outsider.token! })
    const { message } = await seller.sendMessage(thread.uuid, { content: 'private' })
    await buyer.markRead(thread.uuid, message.id)
    // A message in the outsider's own thread, sent last, proves the stream was live throughout.
    const { thread: own } = await outsider.createThread({ participants: [outsider.address, buyer.address] })
    const { message: ownMessage } = await buyer.sendMessage(own.uuid, { content: 'for you' })
    const events = await outsiderStream.events.until((all) => messagesOf(all).length >= 1)
    expect(messagesOf(events)).toEqual([expect.objectContaining({ id: ownMessage.id, content: 'for you' })])
    expect(events.every((event) => JSON.parse(event.data).uuid !== thread.uuid && JSON.parse(event.data).thread_uuid !== thread.uuid)).toBe(true)
    outsiderStream.close()
  })

  it('takes the token as ?token= too, and refuses a bad one with 401 in the contract shape', async () => {
    const { buyer, seller, thread } = await pair()
    const stream = await openSse(server.url, { query: { token: buyer.token! } })
    expect(stream.response.statusCode).toBe(200)
    const { message } = await seller.sendMessage(thread.uuid, { content: 'hello' })
    await stream.events.until((events) => messagesOf(events).some((m) => m.id === message.id))
    stream.close()

    for (const options of [{ query: { token: 'not-a-token' } }, {}, { headers: { authorization: 'Basic abc' } }]) {
      const refused = await openSse(server.url, options)
      expect(refused.response.statusCode).toBe(401)
      expect(refused.response.headers['www-authenticate']).toBe('Bearer realm="api"')
      await refused.ended
      expect(JSON.parse(refused.text())).toEqual({ detail: expect.any(String) })
    }
  })

  it('refuses a Last-Event-ID or after_id that is not a message id with 400', async () => {
    const { buyer } = await pair()
    const badHeader = await openSse(server.url, { token: buyer.token!, headers: { 'last-event-id': 'abc' } })
    expect(badHeader.response.statusCode).toBe(400)
    await badHeader.ended
    expect(JSON.parse(badHeader.text())).toEqual({ 'last-event-id': ['A valid integer is required.'] })
    const badQuery = await openSse(server.url, { token: buyer.token!, query: { after_id: -1 } })
    expect(badQuery.response.statusCode).toBe(400)
    await badQuery.ended
    expect(JSON.parse(badQuery.text())).toEqual({ after_id: ['Ensure this value is greater than or equal to 0.'] })
  })

  it('replays exactly the messages after Last-Event-ID, own ones included, then goes live', async () => {
    const { buyer, seller, thread } = await pair()
    const seen = await buyer.sendMessage(thread.uuid, { content: 'seen' })
    const missed = [
      (await seller.sendMessage(thread.uuid, { content: 'missed 1' })).message,
      (await buyer.sendMessage(thread.uuid, { content: 'missed 2 (from another device)' })).message,
    ]
    const stream = await openSse(server.url, { token: buyer.token!, headers: { 'last-event-id': String(seen.message.id) } })
    await stream.events.until((events) => messagesOf(events).length >= 2)
    const live = (await seller.sendMessage(thread.uuid, { content: 'live' })).message
    const events = await stream.events.until((all) => messagesOf(all).length >= 3)
    expect(messagesOf(events).map((m) => m.id)).toEqual([...missed.map((m) => m.id), live.id])
    expect(events.map((event) => event.lastId)).toEqual([...missed, live].map((m) => String(m.id)))
    stream.close()
  })

  it('resumes from ?after_id= as from Last-Event-ID, and the header wins when both are given', async () => {
    const { buyer, seller, thread } = await pair()
    const ids: number[] = []
    for (const content of ['one', 'two', 'three']) ids.push((await seller.sendMessage(thread.uuid, { content })).message.id)

    const byQuery = await openSse(server.url, { token: buyer.token!, query: { after_id: ids[0]! } })
    const byBoth = await openSse(server.url, {
      token: buyer.token!,
      query: { after_id: ids[0]! },
      headers: { 'last-event-id': String(ids[1]) },
    })
    expect(messagesOf(await byQuery.events.until((events) => events.length >= 2)).map((m) => m.id)).toEqual(ids.slice(1))
    expect(messagesOf(await byBoth.events.until((events) => events.length >= 1)).map((m) => m.id)).toEqual(ids.slice(2))
    await pause(100)
    expect(byQuery.events.items).toHaveLength(2)
    expect(byBoth.events.items).toHaveLength(1)
    byQuery.close()
    byBoth.close()
  })

  it("ends the streams of a token signed out, and only that token's", async () => {
    const { buyer, seller, thread } = await pair()
    const otherDevice = await server.signIn(buyer.signer)
    const stream = await openSse(server.url, { token: buyer.token! })
    const otherStream = await openSse(server.url, { token: otherDevice.token! })
    await buyer.signOut()
    await stream.ended
    const { message } = await seller.sendMessage(thread.uuid, { content: 'still there?' })
    await otherStream.events.until((events) => messagesOf(events).some((m) => m.id === message.id))
    expect(messagesOf(stream.events.items)).toEqual([])
    otherStream.close()
  })
})
