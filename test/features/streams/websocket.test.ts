import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { type Frame, messagesOf, openSse, openWs, pairIn } from './clients.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ STREAM_HEARTBEAT: '1' })
})
afterAll(() => server.destroy())

const pair = () => pairIn(server)

const ofType = (type: string) => (frames: Frame[]) => frames.filter((frame) => frame.type === type)

describe('GET /api/chat/ws/', () => {
  it('signs in by header; participants exchange messages and read receipts live', async () => {
    const { buyer, seller, thread } = await pair()
    const buyerWs = await openWs(server.url, { token: buyer.token! })
    const sellerWs = await openWs(server.url, { token: seller.token! })
    const { message } = await seller.sendMessage(thread.uuid, { content: 'over HTTP' })
    const [event] = await buyerWs.frames.until((frames) => frames.length >= 1)
    expect(event).toEqual({ type: 'message', data: message })

    buyerWs.send({ type: 'read', thread_uuid: thread.uuid, up_to: message.id })
    const read = { type: 'read', data: { uuid: thread.uuid, address: buyer.address, last_read_id: message.id } }
    await sellerWs.frames.until((frames) => frames.some((frame) => frame.type === 'read'))
    expect(ofType('read')(sellerWs.frames.items)).toEqual([read])
    buyerWs.socket.close()
    sellerWs.socket.close()
  })

  it('signs in by a first auth frame, then sends: ack to the sender, message to everyone', async () => {
    const { buyer, seller, thread } = await pair()
    const sellerStream = await openSse(server.url, { token: seller.token! })
    const buyerWs = await openWs(server.url)
    buyerWs.send({ type: 'auth', token: buyer.token })
    buyerWs.send({ type: 'send', thread_uuid: thread.uuid, content: 'over WebSocket', client_id: 'c-1' })

    const frames = await buyerWs.frames.until((all) => all.some((frame) => frame.type === 'ack'))
    const ack = frames.find((frame) => frame.type === 'ack')!
    expect(ack.data).toEqual({
      client_id: 'c-1',
      message: {
        id: expect.any(Number),
        sender: buyer.address,
        content: 'over WebSocket',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        is_read: false,
        thread_uuid: thread.uuid,
        attachments: [],
        edited_at: null,
        deleted_by: null,
      },
    })
    const events = await sellerStream.events.until((all) => messagesOf(all).length >= 1)
    expect(messagesOf(events)).toEqual([ack.data.message])

    // The same client_id again is the same message: acknowledged, not stored twice.
    buyerWs.send({ type: 'send', thread_uuid: thread.uuid, content: 'over WebSocket', client_id: 'c-1' })
    const acks = ofType('ack')(await buyerWs.frames.until((all) => ofType('ack')(all).length >= 2))
    expect(acks[1]!.data).toEqual(ack.data)
    expect((await seller.listMessages(thread.uuid)).count).toBe(1)
    buyerWs.socket.close()
    sellerStream.close()
  })

  it('relays typing to the other participants only, and stores nothing', async () => {
    const { buyer, seller, thread } = await pair()
    const buyerWs = await openWs(server.url, { token: buyer.token! })
    const sellerWs = await openWs(server.url, { token: seller.token! })
    buyerWs.send({ type: 'typing', thread_uuid: thread.uuid })
    const frames = await sellerWs.frames.until((all) => all.length >= 1)
    expect(frames).toEqual([{ type: 'typing', data: { uuid: thread.uuid, address: buyer.address } }])
    // The sender's own socket gets no echo: its next frame is the answer to a later request.
    buyerWs.send({ type: 'typing', thread_uuid: 'not-a-thread' })
    const own = await buyerWs.frames.until((all) => all.length >= 1)
    expect(own).toEqual([{ type: 'error', data: { status: 404, body: { detail: 'Not found.' } } }])
    expect((await buyer.getThread(thread.uuid)).messages).toEqual([])
    buyerWs.socket.close()
    sellerWs.socket.close()
  })

  it('relays at most a burst of typing notices from one flooding address', async () => {
    const { buyer, seller, thread } = await pair()
    const buyerWs = await openWs(server.url, { token: buyer.token! })
    const sellerWs = await openWs(server.url, { token: seller.token! })
    for (let i = 0; i < 20; i++) buyerWs.send({ type: 'typing', thread_uuid: thread.uuid })
    // Frames are handled in order: once this message arrives, every typing frame was handled.
    buyerWs.send({ type: 'send', thread_uuid: thread.uuid, content: 'done typing', client_id: 'after-typing' })
    const frames = await sellerWs.frames.until((all) => all.some((frame) => frame.type === 'message'))
    const typing = frames.filter((frame) => frame.type === 'typing').length
    expect(typing).toBeGreaterThanOrEqual(1)
    expect(typing).toBeLessThanOrEqual(4)
    buyerWs.socket.close()
    sellerWs.socket.close()
  })

  it('answers bad frames with error frames in the contract shape and stays open', async () => {
    const { buyer, thread } = await pair()
    const outsider = await server.signIn()
    const ws = await openWs(server.url, { token: buyer.token! })
    const cases: Array<[unknown, object]> = [
      ['{not json', { status: 400, body: { detail: 'JSON parse error: the frame is not valid JSON.' } }],
      ['[1,2]', { status: 400, body: { non_field_errors: ['Invalid data. Expected a dictionary (JSON object).'] } }],
      [{ thread_uuid: thread.uuid }, { status: 400, body: { type: ['This field is required.'] } }],
      [{ type: 'shout' }, { status: 400, body: { type: ['"shout" is not a valid choice.'] } }],
      [{ type: 'send', thread_uuid: thread.uuid, client_id: 'c-2' }, { client_id: 'c-2', status: 400, body: { content: ['This field is required.'] } }],
      [{ type: 'send', thread_uuid: thread.uuid, content: '   ' }, { status: 400, body: { content: ['This field may not be blank.'] } }],
      [{ type: 'send', thread_uuid: thread.uuid, content: 'a\u0000b' }, { status: 400, body: { content: ['Null characters are not allowed.'] } }],
      [{ type: 'send', thread_uuid: thread.uuid, content: 'x', client_id: 'c'.repeat(65) }, { client_id: 'c'.repeat(65), status: 400, body: { client_id: ['Ensure this field has no more than 64 characters.'] } }],
      [{ type: 'send', thread_uuid: thread.uuid, content: 'x'.repeat(4001) }, { status: 400, body: { content: ['Ensure this field has no more than 4000 characters.'] } }],
      [{ type: 'send', thread_uuid: 42, content: 'x' }, { status: 400, body: { thread_uuid: ['Not a valid string.'] } }],
      [{ type: 'read', thread_uuid: thread.uuid, up_to: 'ten' }, { status: 400, body: { up_to: ['A valid integer is required.'] } }],
      [{ type: 'read', thread_uuid: thread.uuid, up_to: 999999 }, { status: 400, body: { up_to: ['Not a message of this thread.'] } }],
      [{ type: 'resume', after_id: -5 }, { status: 400, body: { after_id: ['Ensure this value is greater than or equal to 0.'] } }],
      [{ type: 'send', thread_uuid: '00000000-0000-4000-8000-000000000000', content: 'x' }, { status: 404, body: { detail: 'Not found.' } }],
      [{ type: 'send', thread_uuid: thread.uuid, content: 'x', sender: outsider.address }, { type: 'ack' }],
      [{ type: 'auth', token: buyer.token }, { status: 400, body: { type: ['Already signed in.'] } }],
    ]
    for (const [frame] of cases) ws.send(frame)
    const frames = await ws.frames.until((all) => all.filter((f) => f.type !== 'message').length >= cases.length)
    const answers = frames.filter((f) => f.type !== 'message')
    cases.forEach(([, expected], i) => {
      if ('type' in expected) expect(answers[i]).toMatchObject({ type: 'ack', data: { message: { sender: buyer.address } } })
      else expect(answers[i]).toEqual({ type: 'error', data: expected })
    })
    expect(ws.socket.readyState).toBe(ws.socket.OPEN)
    ws.socket.close()
  })

  it('survives any frame: random JSON, random text, binary', async () => {
    const { buyer, thread } = await pair()
    const ws = await openWs(server.url, { token: buyer.token! })
    const frames = fc.sample(
      fc.oneof(
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc
          .record(
            {
              type: fc.constantFrom('send', 'read', 'typing', 'resume', 'auth'),
              thread_uuid: fc.constantFrom(thread.uuid, 'x'),
              content: fc.anything(),
              up_to: fc.anything(),
              after_id: fc.anything(),
              client_id: fc.anything(),
            },
            { requiredKeys: ['type'] },
          )
          .map((frame) => JSON.stringify(frame) ?? '{}'),
        fc.string(),
      ),
      { numRuns: 200, seed: 42 },
    )
    for (const frame of frames) ws.send(frame)
    ws.socket.send(Buffer.from([0, 1, 2]), { binary: true })
    // A last frame with a known answer shows every one before it was handled.
    ws.send({ type: 'send', thread_uuid: 'none', content: 'x', client_id: 'the-end' })
    const received = await ws.frames.until((all) => all.some((f) => f.data.client_id === 'the-end'), 20_000)
    expect(received.at(-1)).toEqual({ type: 'error', data: { client_id: 'the-end', status: 404, body: { detail: 'Not found.' } } })
    expect(received.filter((f) => f.type === 'error').every((f) => [400, 403, 404, 409, 429].includes(Number(f.data.status)))).toBe(true)
    expect(ws.socket.readyState).toBe(ws.socket.OPEN)
    ws.socket.close()
  })

  it('obeys the same send rate limit as HTTP, with a 429 error frame', async () => {
    const limited = await startTestServer({ RATE_LIMIT_SEND: '1', RATE_LIMIT_SEND_BURST: '1' })
    try {
      const buyer = await limited.signIn()
      const seller = await limited.signIn()
      const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
      const ws = await openWs(limited.url, { token: buyer.token! })
      ws.send({ type: 'send', thread_uuid: thread.uuid, content: 'one', client_id: 'a' })
      ws.send({ type: 'send', thread_uuid: thread.uuid, content: 'two', client_id: 'b' })
      const frames = await ws.frames.until((all) => all.filter((f) => f.type !== 'message').length >= 2)
      const answers = frames.filter((f) => f.type !== 'message')
      expect(answers[0]).toMatchObject({ type: 'ack', data: { client_id: 'a' } })
      expect(answers[1]).toEqual({ type: 'error', data: { client_id: 'b', status: 429, body: { detail: 'Request was throttled.' } } })
      ws.socket.close()
    } finally {
      await limited.destroy()
    }
  })

  it('closes with 4401 for a bad token, a bad header, or a first frame that is not auth', async () => {
    const bad = await openWs(server.url)
    bad.send({ type: 'auth', token: 'nope' })
    expect(await bad.closed).toBe(4401)
    const wrongFirst = await openWs(server.url)
    wrongFirst.send({ type: 'typing', thread_uuid: 'x' })
    expect(await wrongFirst.closed).toBe(4401)
    const garbage = await openWs(server.url)
    garbage.send('hello')
    expect(await garbage.closed).toBe(4401)
    const badHeader = await openWs(server.url, { token: 'nope' })
    expect(await badHeader.closed).toBe(4401)
  })

  it('resumes after a first-frame resume with exactly the missed messages, then live', async () => {
    const { buyer, seller, thread } = await pair()
    const seen = (await seller.sendMessage(thread.uuid, { content: 'seen' })).message
    const missed = (await seller.sendMessage(thread.uuid, { content: 'missed' })).message
    const ws = await openWs(server.url)
    ws.send({ type: 'auth', token: buyer.token })
    ws.send({ type: 'resume', after_id: seen.id })
    await ws.frames.until((frames) => frames.length >= 1)
    const live = (await seller.sendMessage(thread.uuid, { content: 'live' })).message
    const frames = await ws.frames.until((all) => all.length >= 2)
    expect(frames).toEqual([
      { type: 'message', data: missed },
      { type: 'message', data: live },
    ])
    ws.socket.close()
  })

  it('resumes from ?after_id= on the URL as well', async () => {
    const { buyer, seller, thread } = await pair()
    const seen = (await seller.sendMessage(thread.uuid, { content: 'seen' })).message
    const missed = (await seller.sendMessage(thread.uuid, { content: 'missed' })).message
    const ws = await openWs(server.url, { token: buyer.token!, query: { after_id: seen.id } })
    expect(await ws.frames.until((frames) => frames.length >= 1)).toEqual([{ type: 'message', data: missed }])
    ws.socket.close()
  })

  it('closes with 4401 when the token signs out', async () => {
    const { buyer } = await pair()
    const ws = await openWs(server.url, { token: buyer.token! })
    await buyer.signOut()
    expect(await ws.closed).toBe(4401)
  })

  it('drops a peer that stops answering pings', async () => {
    const { buyer } = await pair()
    const ws = await openWs(server.url, { token: buyer.token!, autoPong: false })
    // Heartbeats are 1 s here: the first unanswered ping is noticed at the second.
    expect(await ws.closed).toBe(1006)
  })
})
