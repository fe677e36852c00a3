import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError, raw } from '../../helpers/contract.js'
import { postgresSchema } from '../../helpers/postgres.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { openSse, openWs } from '../streams/clients.js'

// Two nodes on one PostgreSQL schema and one Redis channel, as a cluster runs: a suspension
// made on one node holds on the other at once.
const operator = VfxSigner.generate()
let nodeA: TestServer
let nodeB: TestServer
let database: Awaited<ReturnType<typeof postgresSchema>>

beforeAll(async () => {
  database = await postgresSchema()
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_CHANNEL: `vfx-chat-test:${randomBytes(6).toString('hex')}`,
    ADMIN_ADDRESSES: operator.address,
  }
  nodeA = await startTestServer(env)
  nodeB = await startTestServer(env)
})

afterAll(async () => {
  await nodeA?.destroy()
  await nodeB?.destroy()
  await database?.drop()
})

describe('a suspension across two nodes', () => {
  it("made on one node stops the address's token, its streams and its sign-in on the other at once, until lifted there", async () => {
    const moderator = await nodeA.signIn(operator)
    const target = await nodeB.signIn()
    const sse = await openSse(nodeB.url, { token: target.token! })
    const ws = await openWs(nodeB.url, { token: target.token! })
    expect(sse.response.statusCode).toBe(200)

    const suspended = await raw(nodeA, 'POST', '/api/moderation/suspensions/', { token: moderator.token, body: { address: target.address, reason: 'scams' } })
    expect(suspended.status).toBe(201)
    expect((await raw(nodeB, 'GET', '/api/chat/', { token: target.token })).status).toBe(401)
    // Both of its streams on the other node end without anyone touching them.
    await sse.ended
    expect(await ws.closed).toBeGreaterThanOrEqual(1000)
    await expectError(nodeB.signIn(target.signer), 403, { detail: 'This address is suspended.' })

    const lifted = await raw(nodeB, 'DELETE', `/api/moderation/suspensions/${target.address}/`, { token: (await nodeB.signIn(operator)).token })
    expect(lifted.status).toBe(204)
    const back = await nodeA.signIn(target.signer)
    expect((await raw(nodeA, 'GET', '/api/chat/', { token: back.token })).status).toBe(200)
  })
})
