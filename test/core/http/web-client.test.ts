import Fastify from 'fastify'
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/core/config.js'
import { WEB_ROOT, webClient } from '../../../src/core/http/web-client.js'
import { DEFAULT_WALLET_URL } from '../../../src/core/vfx/wallet.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { ensureWebBuilt } from '../../helpers/web-build.js'

let server: TestServer
beforeAll(async () => {
  await ensureWebBuilt()
  server = await startTestServer({ VFX_NETWORK: 'testnet', MAX_MESSAGE_LENGTH: '500' })
}, 120_000)
afterAll(() => server.destroy())

describe('GET / (the web client)', () => {
  it('serves index.html with the server’s network and message limit in its meta tags', async () => {
    const response = await fetch(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await response.text()
    expect(html).toContain('<meta name="vfx-chat:network" content="testnet" />')
    expect(html).toContain('<meta name="vfx-chat:max-message-length" content="500" />')
    expect(html).toContain('<meta name="vfx-chat:max-attachment-bytes" content="10485760" />')
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/)
  })

  it('serves the hashed bundle for good, and nothing from another origin', async () => {
    const html = await (await fetch(`${server.url}/`)).text()
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)
    for (const file of readdirSync(`${WEB_ROOT}/assets`)) {
      const response = await fetch(`${server.url}/assets/${file}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      // The only other address is the VFX wallet's own: a link the person opens, never a request of the page.
      expect((await response.text()).replaceAll(DEFAULT_WALLET_URL, '')).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
    }
  })

  it('keeps unknown paths, under /api/ or not, a JSON 404', async () => {
    for (const path of ['/api/nothing/', '/nothing', '/index.html', '/assets/missing.js']) {
      const response = await fetch(`${server.url}${path}`)
      expect({ path, status: response.status, body: await response.json() }).toEqual({ path, status: 404, body: { detail: 'Not found.' } })
    }
  })

  it('answers a clear message, not a crash, when the client was never built', async () => {
    const app = Fastify()
    app.decorate('config', loadConfig({}))
    await app.register(webClient, { root: '/nonexistent/dist/web' })
    const response = await app.inject({ method: 'GET', url: '/' })
    expect(response.statusCode).toBe(503)
    expect(response.body).toContain('The web client is not built')
    expect(response.body).toContain('npm run build:web')
    await app.close()
  })
})
