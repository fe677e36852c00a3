import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/core/config.js'
import { RateLimited } from '../../src/core/errors.js'
import { LocalStreamSlots } from '../../src/core/limits/stream-slots.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openSse, openWs, pause } from '../features/streams/clients.js'
import { openSocket, parseRaw } from './raw-socket.js'
import { routeTable } from './route-table.js'

/** An operator of the test server. */
const OPERATOR = VfxSigner.generate()

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '2', KEEP_ALIVE_TIMEOUT: '1', ADMIN_ADDRESSES: OPERATOR.address })
})
afterAll(() => server.destroy())

/** Writes `chunk` every 300 ms until the server hangs up, as a slow client would. */
async function trickle(head: string, chunk: string) {
  const { socket, received, closed } = await openSocket(server.url)
  socket.write(head)
  const timer = setInterval(() => socket.writable && socket.write(chunk), 300)
  await closed
  clearInterval(timer)
  return parseRaw(received())
}

/** Retries `attempt` until it succeeds (the server notices a closed stream a moment later). */
async function eventually<T>(attempt: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      if (i >= tries) throw error
      await pause(50)
    }
  }
}

describe('slow and idle clients (HEADERS_TIMEOUT, REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT)', () => {
  it('answers 408 {detail} and hangs up on a client that trickles its headers forever (slowloris)', async () => {
    const answer = await trickle('GET /api/chat/ HTTP/1.1\r\nHost: x\r\n', 'X-Slow: still-coming\r\n')
    expect(answer).toEqual({ status: 408, body: { detail: 'Request timed out.' } })
  })

  it('answers 408 {detail} and hangs up on a client that trickles its body', async () => {
    const head = 'POST /api/auth/challenge/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n'
    const answer = await trickle(head, ' ')
    expect(answer).toEqual({ status: 408, body: { detail: 'Request timed out.' } })
  })

  it('closes a keep-alive connection left idle after its answer', async () => {
    const { socket, received, closed } = await openSocket(server.url)
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')
    await closed
    expect(received()).toMatch(/^HTTP\/1\.1 200 /)
    expect(received()).toMatch(/keep-alive: timeout=1/i)
  })

  it('gives silent sockets CONNECTION_TIMEOUT seconds, above the 30 s long poll', async () => {
    const defaults = await startTestServer()
    try {
      expect(defaults.app.server.timeout).toBe(60_000)
      expect(defaults.app.server.headersTimeout).toBe(10_000)
      expect(defaults.app.server.requestTimeout).toBe(30_000)
    } finally {
      await defaults.destroy()
    }
  })
})

describe('body size limit (64 KiB)', () => {
  it('refuses a 10 MB body on every route that takes one with 413 {detail}, and hangs up instead of reading it', async () => {
    // An operator, so the moderators' routes read as far as the body too.
    const client = await server.signIn(OPERATOR)
    const { thread } = await client.createThread({ participants: [client.address, (await server.signIn()).address] })
    const shop = await client.createShop({ name: 'Big', url: 'vfx://big' })
    const operations = (await routeTable(server.url)).filter((operation) => operation.bodyFields !== null)
    expect(operations.length).toBeGreaterThan(5)
    const body = Buffer.alloc(10 * 1024 * 1024, 'a')
    for (const operation of operations) {
      const path = operation.path.replace('{uuid}', thread.uuid).replace('{id}', String(shop.id))
      const answer = await new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
        const call = request(
          server.url + path,
          {
            method: operation.method,
            agent: false,
            headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json', 'content-length': body.length },
          },
          (response) => {
            let text = ''
            response.on('data', (chunk) => (text += chunk))
            response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, text }))
          },
        )
        // The server hangs up mid-upload: that is the point.
        call.on('error', (error: NodeJS.ErrnoException) => error.code !== 'EPIPE' && error.code !== 'ECONNRESET' && reject(error))
        call.end(body)
      })
      expect(answer, `${operation.method} ${operation.path}`).toEqual({
        status: 413,
        connection: 'close',
        text: JSON.stringify({ detail: 'Request body is too large (limit 64 KiB).' }),
      })
    }
  })
})

describe('send flooding (RATE_LIMIT_SEND)', () => {
  it('throttles the flooding address with 429 and Retry-After, and no one else', async () => {
    const limited = await startTestServer({ RATE_LIMIT_SEND: '1', RATE_LIMIT_SEND_BURST: '3' })
    try {
      const [flooder, neighbour] = await Promise.all([limited.signIn(), limited.signIn()])
      const { thread } = await flooder.createThread({ participants: [flooder.address, neighbour.address] })
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fetch(`${limited.url}/api/chat/${thread.uuid}/message/`, {
            method: 'POST',
            headers: { authorization: `Bearer ${flooder.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ content: `spam ${i}` }),
          }),
        ),
      )
      const statuses = answers.map((answer) => answer.status)
      // A burst of 3, and at most one more token refilled if the sends spread over a second.
      expect(statuses.filter((status) => status === 201).length).toBeOneOf([3, 4])
      expect(statuses.filter((status) => status !== 201).every((status) => status === 429)).toBe(true)
      const throttled = answers.find((answer) => answer.status === 429)!
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(await throttled.json()).toEqual({ detail: 'Request was throttled.' })
      const { created } = await neighbour.sendMessage(thread.uuid, { content: 'not throttled' })
      expect(created).toBe(true)
    } finally {
      await limited.destroy()
    }
  })
})

describe('open stream caps (MAX_STREAMS_PER_ADDRESS, MAX_STREAMS_PER_IP)', () => {
  const alice = 'R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR'
  const bob = 'RAjtW2uDSEDW9mPVkKp2K2AAu4uJD9Zrn7'

  it('refuses the stream over an address cap with RateLimited, and lets another address in', () => {
    const slots = new LocalStreamSlots({ maxStreamsPerAddress: 2, maxStreamsPerIp: 10 })
    slots.acquire(alice, '10.0.0.1')
    slots.acquire(alice, '10.0.0.2')
    expect(() => slots.acquire(alice, '10.0.0.3')).toThrow(RateLimited)
    expect(() => slots.acquire(bob, '10.0.0.1')).not.toThrow()
  })

  it('refuses the stream over an IP cap whatever the address', () => {
    const slots = new LocalStreamSlots({ maxStreamsPerAddress: 10, maxStreamsPerIp: 2 })
    slots.acquire(alice, '10.0.0.1')
    slots.acquire(bob, '10.0.0.1')
    expect(() => slots.acquire('RsomeoneElse', '10.0.0.1')).toThrow(RateLimited)
    expect(() => slots.acquire(alice, '10.0.0.2')).not.toThrow()
  })

  it('over HTTP: the stream past a cap gets 429 {detail} with Retry-After, SSE and WebSocket alike, until one closes', async () => {
    const capped = await startTestServer({ MAX_STREAMS_PER_ADDRESS: '2', MAX_STREAMS_PER_IP: '3' })
    try {
      const [first, second] = await Promise.all([capped.signIn(), capped.signIn()])
      const open = [await openSse(capped.url, { token: first.token! }), await openSse(capped.url, { token: first.token! })]
      expect(open.map((stream) => stream.response.statusCode)).toEqual([200, 200])
      const refused = await openSse(capped.url, { token: first.token! })
      expect(refused.response.statusCode).toBe(429)
      expect(Number(refused.response.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      await refused.ended
      expect(JSON.parse(refused.text())).toEqual({ detail: 'Request was throttled.' })
      // The third stream of this IP is the second address's first; the fourth is one too many.
      open.push(await openSse(capped.url, { token: second.token! }))
      expect(open[2]!.response.statusCode).toBe(200)
      await expect(openWs(capped.url, { token: second.token! })).rejects.toThrow(/429/)
      open[0]!.close()
      const ws = await eventually(() => openWs(capped.url, { token: second.token! }))
      ws.socket.close()
      for (const stream of open) stream.close()
    } finally {
      await capped.destroy()
    }
  })

  it('counts a WebSocket signed in by its first frame against its address, closing it with 4429 when full', async () => {
    const capped = await startTestServer({ MAX_STREAMS_PER_ADDRESS: '1', MAX_STREAMS_PER_IP: '10' })
    try {
      const user = await capped.signIn()
      const first = await openWs(capped.url)
      first.send({ type: 'auth', token: user.token })
      // Frames are handled only after sign-in: the answer to this one means it is signed in.
      first.send({ type: 'typing', thread_uuid: '00000000-0000-4000-8000-000000000000' })
      await first.frames.until((frames) => frames.some((frame) => frame.type === 'error'))
      const refused = await openSse(capped.url, { token: user.token! })
      expect(refused.response.statusCode).toBe(429)
      const second = await openWs(capped.url)
      second.send({ type: 'auth', token: user.token })
      expect(await second.closed).toBe(4429)
      first.socket.close()
      await first.closed
      const third = await eventually(async () => {
        const stream = await openSse(capped.url, { token: user.token! })
        if (stream.response.statusCode !== 200) throw new Error(`status ${stream.response.statusCode}`)
        return stream
      })
      third.close()
    } finally {
      await capped.destroy()
    }
  })

  it('frees a slot when its stream closes, once however often release is called', () => {
    const slots = new LocalStreamSlots({ maxStreamsPerAddress: 1, maxStreamsPerIp: 10 })
    const release = slots.acquire(alice, '10.0.0.1')
    release()
    release()
    slots.acquire(alice, '10.0.0.1')
    expect(() => slots.acquire(alice, '10.0.0.1')).toThrow(RateLimited)
  })
})

describe('configuration of the limits', () => {
  it.each([
    [{ HEADERS_TIMEOUT: '40', REQUEST_TIMEOUT: '30' }, /HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT/],
    [{ CONNECTION_TIMEOUT: '10' }, /CONNECTION_TIMEOUT must be between 31/],
    [{ KEEP_ALIVE_TIMEOUT: '0' }, /KEEP_ALIVE_TIMEOUT/],
    [{ MAX_STREAMS_PER_ADDRESS: 'many' }, /MAX_STREAMS_PER_ADDRESS must be a whole number/],
    [{ MAX_STREAMS_PER_IP: '0' }, /MAX_STREAMS_PER_IP/],
  ])('refuses %o at start-up, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })
})
