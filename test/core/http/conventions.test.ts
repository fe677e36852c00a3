import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOT_FOUND, raw } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  let alice: Awaited<ReturnType<TestServer['signIn']>>
  let bob: Awaited<ReturnType<TestServer['signIn']>>
  let uuid: string
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
    ;[alice, bob] = await Promise.all([server.signIn(), server.signIn()])
    uuid = (await alice.createThread({ participants: [alice.address, bob.address] })).thread.uuid
  })
  afterAll(() => server.destroy())

  /** The JSON endpoints that take a body, with a valid body each. */
  const bodies = () =>
    [
      ['POST', '/api/chat/', { participants: [alice.address, bob.address] }],
      ['PATCH', `/api/chat/${uuid}/`, { is_read: true }],
      ['POST', `/api/chat/${uuid}/message/`, { content: 'hi' }],
      ['POST', `/api/chat/${uuid}/read/`, {}],
      ['POST', '/api/shop/', { name: 'x', url: 'vfx://conventions' }],
      ['POST', '/api/auth/challenge/', { address: alice.address }],
    ] as const

  describe('request bodies (docs/api.md §5)', () => {
    it('malformed JSON is 400 with a detail', async () => {
      for (const [method, path] of bodies()) {
        const answer = await raw(server, method, path, { token: alice.token, body: '{"participants": [' })
        expect({ path, status: answer.status, json: answer.json }).toEqual({
          path,
          status: 400,
          json: { detail: 'JSON parse error: the body is not valid JSON.' },
        })
      }
    })

    it('an empty body, with or without a JSON content type, is empty data', async () => {
      for (const headers of [{}, { 'content-type': 'application/json' }] as Record<string, string>[]) {
        const send = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, headers })
        expect(send).toMatchObject({ status: 400, json: { content: ['This field is required.'] } })
        const read = await raw(server, 'POST', `/api/chat/${uuid}/read/`, { token: alice.token, headers })
        expect(read).toMatchObject({ status: 200, json: { uuid } })
        const patch = await raw(server, 'PATCH', `/api/chat/${uuid}/`, { token: alice.token, headers })
        expect(patch).toMatchObject({ status: 200, json: { uuid } })
      }
      const signedOut = await server.signIn()
      const logout = await raw(server, 'DELETE', '/api/auth/token/', {
        token: signedOut.token,
        headers: { 'content-type': 'application/json' },
      })
      expect(logout.status).toBe(204)
    })

    it('a body that is not a JSON object is 400 under non_field_errors', async () => {
      for (const body of ['[]', '"text"', '42', 'null']) {
        const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, body })
        expect({ body, status: answer.status, json: answer.json }).toEqual({
          body,
          status: 400,
          json: { non_field_errors: ['Invalid data. Expected a dictionary (JSON object).'] },
        })
      }
    })

    it('another content type is 415 with a detail', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, {
          token: alice.token,
          body: 'content=hi',
          headers: { 'content-type': type },
        })
        expect({ type, status: answer.status, json: answer.json }).toEqual({
          type,
          status: 415,
          json: { detail: 'Unsupported media type in request: send application/json.' },
        })
      }
    })

    it('application/json with a charset is accepted', async () => {
      const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, {
        token: alice.token,
        body: { content: 'charset' },
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
      expect(answer.status).toBe(201)
    })

    it('a body over 64 KiB is 413 with a detail', async () => {
      const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, {
        token: alice.token,
        body: { content: 'x'.repeat(65 * 1024) },
      })
      expect(answer).toMatchObject({ status: 413, json: { detail: 'Request body is too large (limit 64 KiB).' } })
    })

    it('unknown fields are ignored', async () => {
      const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, {
        token: alice.token,
        body: { content: 'extra', id: 1, timestamp: '2000-01-01T00:00:00Z', thread_uuid: 'x', is_read: true, color: 'red' },
      })
      expect(answer.status).toBe(201)
      expect(answer.json).toMatchObject({ content: 'extra', is_read: false, thread_uuid: uuid })
      expect((answer.json as { id: number }).id).toBeGreaterThan(1)
    })

    it('__proto__ and constructor keys are ignored and never reach a prototype', async () => {
      for (const body of [
        '{"content":"proto","__proto__":{"polluted":"yes","sender":"x"}}',
        '{"content":"ctor","constructor":{"prototype":{"polluted":"yes"}}}',
      ]) {
        const answer = await raw(server, 'POST', `/api/chat/${uuid}/message/`, { token: alice.token, body })
        expect(answer.status).toBe(201)
      }
      const invalid = await raw(server, 'POST', '/api/chat/', {
        token: alice.token,
        body: '{"participants":["a"],"__proto__":{"polluted":"yes"}}',
      })
      expect(invalid).toMatchObject({ status: 400, json: { participants: ['"a" is not a valid VFX address.'] } })
      const nested = await raw(server, 'POST', '/api/chat/', {
        token: alice.token,
        body: `{"participants":["${alice.address}","${bob.address}"],"initial_message":"n","x":{"__proto__":{"polluted":"yes"}}}`,
      })
      expect(nested.status).toBe(200)
      // The server runs in this process: a polluted prototype would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.prototype).not.toHaveProperty('polluted')
      const messages = (await alice.listMessages(uuid, { after: 0, limit: 500 })).results
      expect(messages.every((m) => m.sender === alice.address)).toBe(true)
    })
  })

  describe('methods and paths', () => {
    it('a wrong method on a known path is 405 with Allow', async () => {
      for (const [method, path, allow] of [
        ['PUT', '/api/chat/', 'GET, POST'],
        ['DELETE', '/api/chat/lookup/', 'GET'],
        ['PUT', `/api/chat/${uuid}/`, 'DELETE, GET, PATCH'],
        ['DELETE', `/api/chat/${uuid}/message/`, 'GET, POST'],
        ['GET', `/api/chat/${uuid}/read/`, 'POST'],
        ['GET', '/api/auth/token/', 'DELETE, POST'],
        ['PUT', '/api/shop/1/', 'DELETE, GET, PATCH'],
      ] as const) {
        const answer = await raw(server, method, path, { token: alice.token })
        expect({ method, path, status: answer.status, json: answer.json, allow: answer.headers.get('allow') }).toEqual({
          method,
          path,
          status: 405,
          json: { detail: `Method "${method}" not allowed.` },
          allow,
        })
      }
    })

    it('an unknown path is 404 with a detail', async () => {
      for (const path of ['/api/nothing/', '/api/chat/a/b/c/', '/nope', '/api/shop/1/extra/']) {
        const answer = await raw(server, 'GET', path, { token: alice.token })
        expect({ path, status: answer.status, json: answer.json }).toEqual({ path, status: 404, json: NOT_FOUND })
      }
    })

    it('answers JSON', async () => {
      const answer = await raw(server, 'GET', '/api/chat/', { token: alice.token })
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
    })
  })

  describe('page-number pagination (docs/api.md §5)', () => {
    let reader: Awaited<ReturnType<TestServer['signIn']>>
    beforeAll(async () => {
      reader = await server.signIn()
      const others = await Promise.all(Array.from({ length: 25 }, () => server.signIn()))
      for (const other of others) await other.createThread({ participants: [other.address, reader.address] })
    })

    it('pages 20 by default with absolute links; the first page link has no page parameter', async () => {
      const first = await reader.listThreads()
      expect(first).toMatchObject({ count: 25, next: `${server.url}/api/chat/?page=2`, previous: null })
      expect(first.results).toHaveLength(20)
      const second = await reader.listThreads({ page: 2 })
      expect(second).toMatchObject({ count: 25, next: null, previous: `${server.url}/api/chat/` })
      expect(second.results).toHaveLength(5)
      const ids = [...first.results, ...second.results].map((t) => t.uuid)
      expect(new Set(ids).size).toBe(25)
    })

    it('page=last answers the last page', async () => {
      const last = await raw(server, 'GET', '/api/chat/?page=last&page_size=10', { token: reader.token })
      expect(last.json).toMatchObject({ count: 25, next: null, previous: `${server.url}/api/chat/?page=2&page_size=10` })
      expect((last.json as { results: unknown[] }).results).toHaveLength(5)
      const empty = await raw(server, 'GET', '/api/chat/?page=last', { token: (await server.signIn()).token })
      expect(empty.json).toEqual({ count: 0, next: null, previous: null, results: [] })
    })

    it('keeps the other query parameters in the links', async () => {
      const page = await reader.listThreads({ page: 2, page_size: 5, address: reader.address })
      expect(page.next).toBe(`${server.url}/api/chat/?page=3&page_size=5&address=${reader.address}`)
      expect(page.previous).toBe(`${server.url}/api/chat/?page_size=5&address=${reader.address}`)
    })

    it('caps page_size at 100 and ignores one that is not a positive number', async () => {
      expect((await reader.listThreads({ page_size: 1000 })).results).toHaveLength(25)
      for (const size of ['0', 'abc', '-3']) {
        const answer = await raw(server, 'GET', `/api/chat/?page_size=${size}`, { token: reader.token })
        expect((answer.json as { results: unknown[] }).results).toHaveLength(20)
      }
    })

    it('answers 404 "Invalid page." past the end or for a page that is not a positive number', async () => {
      for (const page of ['3', '0', '-1', 'x', '1e3', '99999999999']) {
        const answer = await raw(server, 'GET', `/api/chat/?page=${page}`, { token: reader.token })
        expect({ page, status: answer.status, json: answer.json }).toEqual({ page, status: 404, json: { detail: 'Invalid page.' } })
      }
    })

    it('ignores X-Forwarded-Proto/Host without TRUST_PROXY', async () => {
      const answer = await raw(server, 'GET', '/api/chat/', {
        token: reader.token,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' },
      })
      expect((answer.json as { next: string }).next).toBe(`${server.url}/api/chat/?page=2`)
    })

    it('honours X-Forwarded-Proto/Host with TRUST_PROXY=1', async () => {
      const proxied = await startTestServer({ TRUST_PROXY: '1' }, { engine })
      try {
        const [a, b] = await Promise.all([proxied.signIn(), proxied.signIn()])
        for (let i = 0; i < 3; i++) {
          const c = await proxied.signIn()
          await c.createThread({ participants: [c.address, a.address] })
        }
        await a.createThread({ participants: [a.address, b.address] })
        const answer = await raw(proxied, 'GET', '/api/chat/?page_size=2&page=2', {
          token: a.token,
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' },
        })
        expect(answer.json).toMatchObject({
          count: 4,
          next: null,
          previous: 'https://chat.example.com/api/chat/?page_size=2',
        })
      } finally {
        await proxied.destroy()
      }
    })
  })

  describe('no input yields a 5xx', () => {
    const json = fc.jsonValue({ maxDepth: 3 })
    const field = fc.constantFrom('participants', 'shop_id', 'initial_message', 'content', 'client_id', 'sender', 'up_to', 'is_read', '__proto__')

    it('for random JSON bodies on every body endpoint', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(5), fc.dictionary(field, json, { maxKeys: 4 }), async (index, body) => {
          const [method, path] = bodies()[index]!
          const answer = await raw(server, method, path, { token: alice.token, body })
          expect(answer.status).toBeLessThan(500)
          expect(answer.json).toBeTypeOf('object')
        }),
        { numRuns: 60 },
      )
    })

    it('for random query strings on every list endpoint', async () => {
      const paths = ['/api/chat/', '/api/chat/lookup/', '/api/chat/new-messages/', `/api/chat/${uuid}/message/`, '/api/shop/']
      const name = fc.constantFrom(
        ...['page', 'page_size', 'shop_id', 'shop_url', 'address', 'participants', 'since', 'after_id', 'after', 'before', 'limit', 'search'],
      )
      await fc.assert(
        fc.asyncProperty(fc.nat(4), fc.array(fc.tuple(name, fc.string({ maxLength: 40 })), { maxLength: 4 }), async (index, pairs) => {
          const query = new URLSearchParams(pairs).toString()
          const answer = await raw(server, 'GET', `${paths[index]}?${query}`, { token: alice.token })
          expect(answer.status).toBeLessThan(500)
          expect(answer.json).toBeTypeOf('object')
        }),
        { numRuns: 60 },
      )
    })
  })
})
