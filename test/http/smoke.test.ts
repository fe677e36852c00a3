import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.destroy())

describe('a conversation between two addresses', () => {
  it('creates a thread, exchanges messages and counts unread', async () => {
    const buyer = await server.signIn()
    const seller = await server.signIn()
    const { thread, created } = await buyer.createThread({ participants: [buyer.address, seller.address], initial_message: 'hi' })
    expect(created).toBe(true)
    expect(thread.participants).toEqual([buyer.address, seller.address])
    expect(thread.messages.map((m) => m.content)).toEqual(['hi'])
    const list = await seller.listThreads()
    expect(list.results[0]).toMatchObject({ uuid: thread.uuid, unread_count: 1, last_message: 'hi' })
    const { message } = await seller.sendMessage(thread.uuid, { content: 'hello back' })
    expect(message).toMatchObject({ sender: seller.address, content: 'hello back', is_read: false, thread_uuid: thread.uuid })
    const fresh = await buyer.newMessages({ address: buyer.address })
    expect(fresh.results.map((m) => m.content)).toEqual(['hello back'])
  })
})
