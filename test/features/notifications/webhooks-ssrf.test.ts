import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { nextAttemptDelay } from '../../../src/features/notifications/webhook-rules.js'
import { send } from '../../../src/features/notifications/webhook-sender.js'
import { raw } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { countingListener } from '../../helpers/ports.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>
interface Delivery {
  status: string
  attempts: number
  last_status_code: number | null
  last_error: string | null
}

describe('nextAttemptDelay', () => {
  it('waits between half the base and base · 2^(attempt-1), capped', () => {
    expect(nextAttemptDelay(1, 30_000, 3_600_000, () => 0)).toBe(15_000)
    expect(nextAttemptDelay(1, 30_000, 3_600_000, () => 1)).toBe(30_000)
    expect(nextAttemptDelay(4, 30_000, 3_600_000, () => 1)).toBe(240_000)
    expect(nextAttemptDelay(40, 30_000, 3_600_000, () => 1)).toBe(3_600_000)
    expect(nextAttemptDelay(4, 30_000, 3_600_000, () => 0.5)).toBe(120_000)
  })
})

describe('send', () => {
  it('refuses a literal forbidden address without connecting: Node looks no literal up', async () => {
    const listener = await countingListener()
    try {
      const options = { allowPrivate: false, timeoutMs: 2_000, maxResponseBytes: 65_536, signal: new AbortController().signal }
      expect(await send(`http://127.0.0.1:${listener.port}/hook`, '{}', {}, options)).toEqual({
        statusCode: null,
        error: 'Refused: 127.0.0.1 resolves to 127.0.0.1, a private, loopback or link-local address.',
      })
      expect(listener.connections()).toBe(0)
    } finally {
      await listener.close()
    }
  })
})

forEachEngine((engine) => {
  let strict: TestServer
  let permissive: TestServer
  beforeAll(async () => {
    strict = await startTestServer({}, { engine })
    permissive = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '500' }, { engine })
  })
  afterAll(async () => {
    await strict.destroy()
    await permissive.destroy()
  })

  const call = (server: TestServer, client: Client, method: string, path: string, body?: unknown) => raw(server, method, path, { token: client.token, body })

  /** Registers `url` on `server`, sends it a test event and answers with the log's entry once tried. */
  async function tried(server: TestServer, url: string): Promise<Delivery> {
    const owner = await server.signIn()
    const created = await call(server, owner, 'POST', '/api/webhooks/', { url, events: ['message.created'] })
    expect(created.status).toBe(201)
    const { id } = created.json as { id: string }
    expect((await call(server, owner, 'POST', `/api/webhooks/${id}/test/`)).status).toBe(202)
    return vi.waitFor(
      async () => {
        const [delivery] = ((await call(server, owner, 'GET', `/api/webhooks/${id}/deliveries/`)).json as { results: Delivery[] }).results
        if (!delivery || delivery.attempts === 0) throw new Error('not tried yet')
        return delivery
      },
      { timeout: 10_000, interval: 50 },
    )
  }

  describe('without WEBHOOK_ALLOW_PRIVATE', () => {
    it('refuses at registration http://, and literal loopback, private, link-local and IPv4-mapped addresses, with 400 on url', async () => {
      const owner = await strict.signIn()
      const register = (url: string) => call(strict, owner, 'POST', '/api/webhooks/', { url, events: ['message.created'] })
      expect(await register('http://example.com/hook')).toMatchObject({ status: 400, json: { url: ['Must be an https:// URL.'] } })
      for (const url of ['https://127.0.0.1/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest/meta-data/', 'https://10.0.0.8/', 'https://[::ffff:192.168.0.1]/', 'https://0.0.0.0/']) {
        expect(await register(url)).toMatchObject({ status: 400, json: { url: ['Must not point at a private, loopback or link-local address.'] } })
      }
    })

    it('refuses to connect to a name that resolves to a loopback address, checked after DNS: the listener sees no connection', async () => {
      const listener = await countingListener()
      try {
        const delivery = await tried(strict, `https://localhost:${listener.port}/hook`)
        expect(delivery).toMatchObject({ status: 'pending', last_status_code: null })
        expect(delivery.last_error).toMatch(/^Refused: localhost resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address\.$/)
        expect(listener.connections()).toBe(0)
      } finally {
        await listener.close()
      }
    })
  })

  describe('outbound requests', () => {
    it('follow no redirect: a 3xx is a failed attempt, and its Location is never asked', async () => {
      const elsewhere = await startReceiver()
      const redirecting = createHttpServer((_request, response) => response.writeHead(302, { location: elsewhere.url }).end())
      await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve))
      try {
        const delivery = await tried(permissive, `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`)
        expect(delivery).toMatchObject({ status: 'pending', last_status_code: 302, last_error: 'HTTP 302: redirects are not followed.' })
        expect(elsewhere.received).toEqual([])
      } finally {
        redirecting.closeAllConnections()
        await new Promise((resolve) => redirecting.close(resolve))
        await elsewhere.close()
      }
    })

    it("verify the endpoint's certificate: a self-signed one is a failed attempt, and the request is never sent", async () => {
      const folder = mkdtempSync(join(tmpdir(), 'vfx-chat-tls-'))
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', join(folder, 'key.pem'), '-out', join(folder, 'cert.pem')], { stdio: 'ignore' })
      let requests = 0
      const impostor = createHttpsServer({ key: readFileSync(join(folder, 'key.pem')), cert: readFileSync(join(folder, 'cert.pem')) }, (_request, response) => {
        requests++
        response.end()
      })
      await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve))
      try {
        const delivery = await tried(permissive, `https://localhost:${(impostor.address() as AddressInfo).port}/hook`)
        expect(delivery).toMatchObject({ status: 'pending', last_status_code: null, last_error: 'Connection failed: self-signed certificate' })
        expect(requests).toBe(0)
      } finally {
        impostor.closeAllConnections()
        await new Promise((resolve) => impostor.close(resolve))
        rmSync(folder, { recursive: true, force: true })
      }
    })

    it('give up on an endpoint that does not answer within WEBHOOK_TIMEOUT_MS', async () => {
      const receiver = await startReceiver()
      receiver.answerWith(() => 'hang')
      try {
        expect(await tried(permissive, receiver.url)).toMatchObject({ status: 'pending', last_status_code: null, last_error: 'Timed out after 500 ms.' })
      } finally {
        await receiver.close()
      }
    })

    it('stop reading an endless answer after 64 KiB: its status counts, its body is dropped', async () => {
      const endless = createHttpServer((_request, response) => {
        response.writeHead(200)
        const chunk = Buffer.alloc(16_384, 120)
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once('drain', pump)
        }
        pump()
      })
      await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve))
      try {
        expect(await tried(permissive, `http://127.0.0.1:${(endless.address() as AddressInfo).port}/hook`)).toMatchObject({ status: 'delivered', last_status_code: 200, last_error: null })
      } finally {
        endless.closeAllConnections()
        await new Promise((resolve) => endless.close(resolve))
      }
    })
  })
})
