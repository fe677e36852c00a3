import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/core/config.js'
import type { Attachment } from '../../../src/features/attachments/index.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError, NOT_FOUND, raw, TIME, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { openSse } from '../streams/clients.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const NOT_A_MODERATOR = { detail: 'You are not a moderator.' }
const SUSPENDED = { detail: 'This address is suspended.' }
const HOUR_MS = 3_600_000

describe('ADMIN_ADDRESSES', () => {
  it('takes comma-separated addresses of the network, none by default, and refuses anything else naming the variable', () => {
    const [a, b] = [VfxSigner.generate().address, VfxSigner.generate().address]
    expect(loadConfig({}).adminAddresses).toEqual([])
    expect(loadConfig({ ADMIN_ADDRESSES: ` ${a}, ${b} ` }).adminAddresses).toEqual([a, b])
    expect(() => loadConfig({ ADMIN_ADDRESSES: `${a},Rnope` })).toThrow(ConfigError)
    expect(() => loadConfig({ ADMIN_ADDRESSES: a, VFX_NETWORK: 'testnet' })).toThrow(/ADMIN_ADDRESSES/)
  })
})

forEachEngine((engine) => {
  const clock = new ManualClock(Date.now())
  const operator = VfxSigner.generate()
  let server: TestServer
  let moderator: Client
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_ADDRESSES: operator.address }, { engine, clock })
    moderator = await server.signIn(operator)
  })
  afterAll(() => server.destroy())

  const call = (client: Client | null, method: string, path: string, body?: unknown) =>
    raw(server, method, path, { token: client?.token ?? null, body })

  async function pairWithThread() {
    const [buyer, seller] = await Promise.all([server.signIn(), server.signIn()])
    const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
    return { buyer, seller, uuid: thread.uuid }
  }

  async function reported(client: Client, uuid: string, body: unknown) {
    const answer = await call(client, 'POST', `/api/chat/${uuid}/reports/`, body)
    expect(answer.status, answer.text).toBe(201)
    return answer.json as { id: number; messages: unknown[] }
  }

  describe('POST /api/chat/{uuid}/reports/', () => {
    it("keeps a snapshot of exactly the reported messages, after the sender deletes the thread and after it is purged", async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      const upload = await fetch(`${server.url}/api/chat/${uuid}/attachments/?name=proof.txt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seller.token}` },
        body: 'pay me off-platform',
      })
      const file = (await upload.json()) as Attachment
      const { message: abusive } = await seller.sendMessage(uuid, { content: 'send the VFX to my own wallet', attachments: [file.id] })
      await seller.sendMessage(uuid, { content: 'not reported' })

      const report = await reported(buyer, uuid, { reason: 'scam', message_ids: [abusive.id] })
      const evidence = [{ id: abusive.id, sender: seller.address, content: 'send the VFX to my own wallet', timestamp: abusive.timestamp, attachments: [file.id] }]
      expect(report).toEqual({
        id: expect.any(Number),
        thread_uuid: uuid,
        reporter: buyer.address,
        reason: 'scam',
        status: 'open',
        created_at: expect.stringMatching(TIME),
        resolved_by: null,
        resolved_at: null,
        resolution: null,
        messages: evidence,
      })

      await seller.deleteThread(uuid)
      expect((await call(moderator, 'GET', `/api/moderation/reports/${report.id}/`)).json).toEqual(report)
      await buyer.deleteThread(uuid)
      expect(await withDatabase(server, (db) => db.selectFrom('threads').select('id').where('uuid', '=', uuid).execute())).toEqual([])
      expect((await call(moderator, 'GET', `/api/moderation/reports/${report.id}/`)).json).toEqual(report)
    })

    it('snapshots the latest 20 messages when no ids are given', async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      for (let i = 0; i < 22; i++) await seller.sendMessage(uuid, { content: `m${i}` })
      const report = await reported(buyer, uuid, { reason: 'flooding' })
      expect((report.messages as { content: string }[]).map((message) => message.content)).toEqual(
        Array.from({ length: 20 }, (_, i) => `m${i + 2}`),
      )
    })

    it('takes the evidence from the server, never from the body', async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      const { message } = await seller.sendMessage(uuid, { content: 'what was really said' })
      const report = await reported(buyer, uuid, {
        reason: 'threats',
        message_ids: [message.id],
        messages: [{ id: message.id, sender: seller.address, content: 'something far worse', timestamp: message.timestamp }],
      })
      expect(report.messages).toEqual([expect.objectContaining({ content: 'what was really said' })])
    })

    it("answers an outsider with the thread's 404", async () => {
      const { uuid } = await pairWithThread()
      const outsider = await server.signIn()
      expect(await call(outsider, 'POST', `/api/chat/${uuid}/reports/`, { reason: 'curious' })).toMatchObject({ status: 404, json: NOT_FOUND })
    })

    it("refuses a message of another thread with 400 on message_ids, and keeps no report", async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      const { thread: other } = await buyer.createThread({ participants: [buyer.address, (await server.signIn()).address] })
      const { message: elsewhere } = await buyer.sendMessage(other.uuid, { content: 'another thread' })
      const { message: here } = await seller.sendMessage(uuid, { content: 'here' })
      expect(await call(buyer, 'POST', `/api/chat/${uuid}/reports/`, { reason: 'mixed', message_ids: [here.id, elsewhere.id] })).toMatchObject({
        status: 400,
        json: { message_ids: [`Invalid pk "${elsewhere.id}" - object does not exist.`] },
      })
      expect(await withDatabase(server, (db) => db.selectFrom('reports').select('id').where('thread_uuid', '=', uuid).execute())).toEqual([])
    })

    it('refuses a blank reason and more than 50 message ids with 400', async () => {
      const { buyer, uuid } = await pairWithThread()
      expect(await call(buyer, 'POST', `/api/chat/${uuid}/reports/`, { reason: '   ' })).toMatchObject({
        status: 400,
        json: { reason: ['This field may not be blank.'] },
      })
      const ids = Array.from({ length: 51 }, (_, i) => i + 1)
      expect((await call(buyer, 'POST', `/api/chat/${uuid}/reports/`, { reason: 'many', message_ids: ids })).status).toBe(400)
    })
  })

  describe('who moderates', () => {
    it('refuses every moderation route to a signed-in non-moderator with 403, and to no token with 401', async () => {
      const someone = await server.signIn()
      const routes: [string, string, unknown?][] = [
        ['GET', '/api/moderation/reports/'],
        ['GET', '/api/moderation/reports/1/'],
        ['POST', '/api/moderation/reports/1/resolve/', { resolution: 'x' }],
        ['POST', '/api/moderation/suspensions/', { address: someone.address, reason: 'x' }],
        ['GET', '/api/moderation/suspensions/'],
        ['DELETE', `/api/moderation/suspensions/${someone.address}/`],
        ['GET', '/api/moderation/audit/'],
      ]
      for (const [method, path, body] of routes) {
        expect(await call(someone, method, path, body), `${method} ${path}`).toMatchObject({ status: 403, json: NOT_A_MODERATOR })
        expect((await call(null, method, path, body)).status, `${method} ${path}`).toBe(401)
      }
    })

    it('gives a moderator no access to threads: reported or not, they are 404 as to any outsider', async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      await seller.sendMessage(uuid, { content: 'private' })
      expect(await call(moderator, 'GET', `/api/chat/${uuid}/`)).toMatchObject({ status: 404, json: NOT_FOUND })
      await reported(buyer, uuid, { reason: 'spam' })
      expect(await call(moderator, 'GET', `/api/chat/${uuid}/`)).toMatchObject({ status: 404, json: NOT_FOUND })
      expect(await call(moderator, 'GET', `/api/chat/${uuid}/message/`)).toMatchObject({ status: 404, json: NOT_FOUND })
    })
  })

  describe('GET /api/moderation/reports/ and POST …/{id}/resolve/', () => {
    it('lists reports newest first by status, resolves an open one once, and 404s an unknown one', async () => {
      const { buyer, uuid } = await pairWithThread()
      const first = await reported(buyer, uuid, { reason: 'first' })
      const second = await reported(buyer, uuid, { reason: 'second' })
      const open = (await call(moderator, 'GET', '/api/moderation/reports/?status=open&page_size=2')).json as { results: { id: number }[] }
      expect(open.results.map((report) => report.id)).toEqual([second.id, first.id])

      const resolved = await call(moderator, 'POST', `/api/moderation/reports/${first.id}/resolve/`, { resolution: 'warned the sender' })
      expect(resolved).toMatchObject({ status: 200 })
      expect(resolved.json).toEqual({
        ...first,
        status: 'resolved',
        resolved_by: operator.address,
        resolved_at: expect.stringMatching(TIME),
        resolution: 'warned the sender',
      })
      expect(await call(moderator, 'POST', `/api/moderation/reports/${first.id}/resolve/`, { resolution: 'again' })).toMatchObject({
        status: 409,
        json: { detail: 'This report is already resolved.' },
      })
      const done = (await call(moderator, 'GET', '/api/moderation/reports/?status=resolved')).json as { results: { id: number }[] }
      expect(done.results.map((report) => report.id)).toContain(first.id)
      expect(done.results.map((report) => report.id)).not.toContain(second.id)
      expect(await call(moderator, 'GET', '/api/moderation/reports/999999/')).toMatchObject({ status: 404, json: NOT_FOUND })
      expect(await call(moderator, 'POST', '/api/moderation/reports/999999/resolve/', { resolution: 'x' })).toMatchObject({ status: 404 })
    })
  })

  describe('suspensions', () => {
    it('ends the tokens and open streams at once, refuses sign-in with 403, and lets it sign in again once lifted', async () => {
      const target = await server.signIn()
      const stream = await openSse(server.url, { token: target.token! })
      expect(stream.response.statusCode).toBe(200)

      const suspension = await call(moderator, 'POST', '/api/moderation/suspensions/', { address: target.address, reason: 'scams' })
      expect(suspension).toMatchObject({ status: 201 })
      expect(suspension.json).toEqual({
        id: expect.any(Number),
        address: target.address,
        reason: 'scams',
        suspended_by: operator.address,
        created_at: expect.stringMatching(TIME),
        until: null,
      })
      expect((await call(target, 'GET', '/api/chat/')).status).toBe(401)
      await stream.ended
      await expectError(server.signIn(target.signer), 403, SUSPENDED)
      const active = (await call(moderator, 'GET', '/api/moderation/suspensions/')).json as { results: { address: string }[] }
      expect(active.results.map((s) => s.address)).toContain(target.address)

      expect((await call(moderator, 'DELETE', `/api/moderation/suspensions/${target.address}/`)).status).toBe(204)
      const again = await server.signIn(target.signer)
      expect((await call(again, 'GET', '/api/chat/')).status).toBe(200)
      expect(await call(moderator, 'DELETE', `/api/moderation/suspensions/${target.address}/`)).toMatchObject({ status: 404, json: NOT_FOUND })
    })

    it('ends a suspension with until by itself', async () => {
      const target = await server.signIn()
      const until = new Date(clock.now() + HOUR_MS).toISOString()
      const answer = await call(moderator, 'POST', '/api/moderation/suspensions/', { address: target.address, reason: 'cool off', until })
      expect(answer).toMatchObject({ status: 201, json: { until } })
      await expectError(server.signIn(target.signer), 403, SUSPENDED)
      clock.advance(HOUR_MS + 1000)
      await server.signIn(target.signer)
      const active = (await call(moderator, 'GET', '/api/moderation/suspensions/')).json as { results: { address: string }[] }
      expect(active.results.map((s) => s.address)).not.toContain(target.address)
    })

    it('refuses a past until, a bad address, an operator and a second suspension', async () => {
      const target = await server.signIn()
      const suspend = (body: Record<string, unknown>) => call(moderator, 'POST', '/api/moderation/suspensions/', { reason: 'r', ...body })
      expect(await suspend({ address: target.address, until: new Date(clock.now() - 1000).toISOString() })).toMatchObject({
        status: 400,
        json: { until: ['Must be in the future.'] },
      })
      expect(await suspend({ address: target.address, until: 'tomorrow' })).toMatchObject({ status: 400, json: { until: [expect.any(String)] } })
      expect(await suspend({ address: 'Rnot-an-address' })).toMatchObject({ status: 400, json: { address: [expect.any(String)] } })
      expect(await suspend({ address: operator.address })).toMatchObject({ status: 400, json: { address: ['An operator cannot be suspended.'] } })
      expect((await suspend({ address: target.address })).status).toBe(201)
      expect(await suspend({ address: target.address })).toMatchObject({ status: 409, json: { detail: 'This address is already suspended.' } })
    })
  })

  describe('GET /api/moderation/audit/', () => {
    it('records every moderator action in order, newest first', async () => {
      const { buyer, seller, uuid } = await pairWithThread()
      const report = await reported(buyer, uuid, { reason: 'spam' })
      await call(moderator, 'POST', `/api/moderation/reports/${report.id}/resolve/`, { resolution: 'suspended the sender' })
      await call(moderator, 'POST', '/api/moderation/suspensions/', { address: seller.address, reason: 'spam' })
      await call(moderator, 'DELETE', `/api/moderation/suspensions/${seller.address}/`)

      const log = (await call(moderator, 'GET', '/api/moderation/audit/?page_size=3')).json as { count: number; results: unknown[] }
      const entry = (action: string, target: string, details: Record<string, unknown>) => ({
        id: expect.any(Number),
        moderator: operator.address,
        action,
        target,
        details,
        created_at: expect.stringMatching(TIME),
      })
      expect(log.results).toEqual([
        entry('suspension_lifted', seller.address, {}),
        entry('suspended', seller.address, { reason: 'spam', until: null }),
        entry('report_resolved', String(report.id), { resolution: 'suspended the sender' }),
      ])
      expect(log.count).toBeGreaterThanOrEqual(3)
    })
  })
})
