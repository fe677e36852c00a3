import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventStreamParser } from '../../../src/sdk/event-stream.js'
import { subscribe, type StreamStatus } from '../../../src/sdk/stream.js'
import type { Message } from '../../../src/sdk/client.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { Received } from './clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.destroy())

describe('EventStreamParser', () => {
  it('parses events split anywhere, with CRLF, comments, multi-line data, ids and retry hints', () => {
    const text = ': hello\r\nretry: 1500\r\n\r\nid: 7\r\nevent: message\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: typing\ndata: x\n\n'
    for (const size of [1, 2, 5, text.length]) {
      const parser = new EventStreamParser()
      const events = []
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)))
      expect(events).toEqual([
        { type: 'message', data: '{"a":\n1}', lastId: '7' },
        { type: 'typing', data: 'x', lastId: '7' },
      ])
      expect(parser.retry).toBe(1500)
    }
  })
})

describe('subscribe()', () => {
  it('follows the stream, resumes by the last id after a drop, and stops when the token is refused', async () => {
    const reader = await server.signIn()
    const seller = await server.signIn()
    const { thread } = await reader.createThread({ participants: [reader.address, seller.address] })
    const seen = (await seller.sendMessage(thread.uuid, { content: 'seen' })).message
    const missed = (await seller.sendMessage(thread.uuid, { content: 'missed' })).message

    const messages = new Received<Message>()
    const statuses = new Received<StreamStatus | 'unauthorized'>()
    const subscription = subscribe(
      server.url,
      reader.token!,
      {
        message: (message) => messages.push(message),
        status: (status) => statuses.push(status),
        unauthorized: () => statuses.push('unauthorized'),
      },
      { afterId: seen.id, maxRetryMs: 200 },
    )
    await messages.until((all) => all.length === 1)
    const live = (await seller.sendMessage(thread.uuid, { content: 'live' })).message
    await messages.until((all) => all.length === 2)

    // Every connection drops; what is sent meanwhile comes after the reconnection.
    server.app.server.closeAllConnections()
    const duringDrop = (await seller.sendMessage(thread.uuid, { content: 'during the drop' })).message
    await messages.until((all) => all.length === 3)
    expect(messages.items).toEqual([missed, live, duringDrop].map((m) => ({ ...m, is_read: expect.any(Boolean) })))
    expect(subscription.lastId).toBe(duringDrop.id)

    await reader.signOut()
    await statuses.until((all) => all.includes('closed'))
    expect(statuses.items.slice(-2)).toEqual(['unauthorized', 'closed'])
    expect(statuses.items).toContain('reconnecting')
    subscription.close()
  })
})
