import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CSP } from '../../src/core/http/security.js'
import { launchBrowser } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { exchangeRaw, parseRaw } from './raw-socket.js'

const ALLOWED_ORIGIN = 'https://market.example'
const FOREIGN_ORIGIN = 'https://evil.example'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: `${ALLOWED_ORIGIN},https://wallet.example` })
})
afterAll(() => server.destroy())

/** A CSP header as a map of directive → sources, so spacing and order do not matter. */
function directives(header: string | null): Record<string, string> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources.join(' ')]),
  )
}

describe('security headers', () => {
  it.each(['/api/shop/', '/api/chat/', '/api/nothing-here/', '/healthz', '/'])('%s carries the strict CSP and helmet headers', async (path) => {
    const response = await fetch(server.url + path)
    expect(directives(response.headers.get('content-security-policy'))).toEqual(directives(CSP))
    expect(directives(CSP)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'img-src': "'self' data:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    })
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/)
  })

  it('relaxes the CSP for Swagger UI under /docs/ only, inline styles and nothing else', async () => {
    const docs = directives((await fetch(`${server.url}/docs/`)).headers.get('content-security-policy'))
    expect(docs).toEqual({ ...directives(CSP), 'style-src': "'self' 'unsafe-inline'" })
    const api = directives((await fetch(`${server.url}/api/schema/`)).headers.get('content-security-policy'))
    expect(api['style-src']).toBe("'self'")
  })

  it('lets Swagger UI render every documented operation under that CSP, breaking no rule', async () => {
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      const problems: string[] = []
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()))
      page.on('pageerror', (error) => problems.push(error.message))
      await page.goto(`${server.url}/docs/`)
      await page.waitForSelector('.swagger-ui .opblock')
      const documented = Object.values(((await (await fetch(`${server.url}/api/schema/`)).json()) as { paths: object[] }).paths)
      expect(await page.locator('.opblock').count()).toBe(documented.flatMap((operations) => Object.keys(operations)).length)
      expect(problems).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)

  it('marks every API answer, private conversations included, as not to be stored by caches', async () => {
    const client = await server.signIn()
    for (const path of ['/api/chat/', '/api/shop/', '/api/auth/token/']) {
      const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${client.token}` } })
      expect(response.headers.get('cache-control'), path).toBe('no-store')
    }
  })
})

describe('script injection through message content', () => {
  it('stores markup as sent and serves it only as JSON text that browsers must not sniff into HTML', async () => {
    const [sender, reader] = await Promise.all([server.signIn(), server.signIn()])
    const markup = '<img src=x onerror=alert(1)><script>alert(document.cookie)</script>'
    const { thread } = await sender.createThread({ participants: [sender.address, reader.address], initial_message: markup })
    for (const path of [`/api/chat/${thread.uuid}/`, `/api/chat/${thread.uuid}/message/`, '/api/chat/new-messages/']) {
      const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${reader.token}` } })
      expect(response.headers.get('content-type'), path).toBe('application/json; charset=utf-8')
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(JSON.stringify(await response.json()), path).toContain(JSON.stringify(markup))
    }
  })
})

describe('CORS allow-list (CORS_ORIGINS)', () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/api/chat/`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    })

  it('lets an allowed origin call the API with a bearer token', async () => {
    const response = await preflight(ALLOWED_ORIGIN)
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
    const simple = await fetch(`${server.url}/api/shop/`, { headers: { origin: ALLOWED_ORIGIN } })
    expect(simple.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
    expect(simple.headers.get('vary')).toMatch(/origin/i)
  })

  it('gives a foreign origin no Access-Control-Allow-Origin, so browsers keep its pages out', async () => {
    for (const origin of [FOREIGN_ORIGIN, `${ALLOWED_ORIGIN}.evil.example`, 'null', 'http://market.example']) {
      const response = await preflight(origin)
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull()
      const simple = await fetch(`${server.url}/api/shop/`, { headers: { origin } })
      expect(simple.headers.get('access-control-allow-origin'), origin).toBeNull()
    }
  })
})

describe('requests that never reach a route', () => {
  it.each([
    ['a NUL byte in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ['a bad chunked body', 'POST /api/auth/challenge/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['both Content-Length and chunked (request smuggling)', 'POST /api/auth/challenge/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ])('%s gets 400 in the contract shape', async (_name, request) => {
    expect(parseRaw(await exchangeRaw(server.url, request))).toEqual({ status: 400, body: { non_field_errors: ['Malformed HTTP request.'] } })
  })

  it('headers over 16 KiB get 431 {detail}, without echoing them', async () => {
    const response = await exchangeRaw(server.url, `GET /api/chat/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'t'.repeat(20_000)}\r\n\r\n`)
    expect(parseRaw(response)).toEqual({ status: 431, body: { detail: 'Request headers are too large.' } })
    expect(response).not.toContain('tttt')
  })

  it.each(['/api/chat/%ZZ/', '/api/chat/%C0%AF/message/', `/api/shop/${'9'.repeat(150)}/`])(
    '%s, which no route can decode or hold, is 404 {detail}',
    async (path) => {
      const response = await fetch(server.url + path)
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 404, body: { detail: 'Not found.' } })
    },
  )
})
