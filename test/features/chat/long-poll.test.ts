import { get } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/sdk/client.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { pairIn } from '../streams/clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.destroy())

const pair = () => pairIn(server)

describe('GET /api/chat/new-messages/?wait=', () => {
  it('holds the request until a message from someone else commits, then answers with it', async () => {
    const { buyer, seller, thread } = await pair()
    const start = Date.now()
    const poll = buyer.newMessages({ after_id: 0, wait: 30 })
    let answered = false
    void poll.then(() => (answered = true))
    // The caller's own message does not count: it is not a new message for them.
    await buyer.sendMessage(thread.uuid, { content: 'mine' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(answered).toBe(false)

    const { message } = await seller.sendMessage(thread.uuid, { content: 'for you' })
    const result = await poll
    expect(result).toEqual({ count: 1, next: null, results: [message] })
    // Answered by the send, not by the 30 s timeout.
    expect(Date.now() - start).toBeLessThan(30_000)
  })

  it('answers at once when something already matches', async () => {
    const { buyer, seller, thread } = await pair()
    const { message } = await seller.sendMessage(thread.uuid, { content: 'waiting already' })
    expect(await buyer.newMessages({ after_id: 0, wait: 30 })).toEqual({ count: 1, next: null, results: [message] })
  })

  it('answers empty when the wait runs out', async () => {
    const { buyer } = await pair()
    expect(await buyer.newMessages({ after_id: 0, wait: 1 })).toEqual({ count: 0, next: null, results: [] })
  })

  it('ignores messages in threads the caller is not in', async () => {
    const { buyer } = await pair()
    const { seller, thread } = await pair()
    const poll = buyer.newMessages({ after_id: 0, wait: 1 })
    await seller.sendMessage(thread.uuid, { content: 'not for buyer' })
    expect(await poll).toEqual({ count: 0, next: null, results: [] })
  })

  it('refuses a wait outside 0–30 s with 400', async () => {
    const { buyer } = await pair()
    for (const [wait, message] of [
      [31, 'Ensure this value is less than or equal to 30.'],
      [-1, 'Ensure this value is greater than or equal to 0.'],
    ] as const) {
      const error = await buyer.newMessages({ wait }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).status).toBe(400)
      expect((error as ApiError).body).toEqual({ wait: [message] })
    }
  })

  it('lets go of a poll whose client went away', async () => {
    const { buyer } = await pair()
    const before = server.app.streams.size
    const request = get(`${server.url}/api/chat/new-messages/?wait=30`, {
      headers: { authorization: `Bearer ${buyer.token}` },
      agent: false,
    })
    const closed = new Promise((resolve) => request.on('error', resolve))
    await waitUntil(() => server.app.streams.size === before + 1)
    request.destroy()
    await closed
    await waitUntil(() => server.app.streams.size === before)
    expect(server.app.streams.size).toBe(before)
  })
})

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}
