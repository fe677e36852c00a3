import fc from 'fast-check'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Shop, ThreadDetail, VfxChatClient } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openWs } from '../features/streams/clients.js'
import { expectContractAnswer, isContractError, nastyString, nastyValue, rawBody } from './hostile-input.js'
import { operationKey, routeTable, type Operation } from './route-table.js'

// FUZZ_RUNS=1000 for a longer hunt; the default keeps the suite quick.
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 60)
/** Stands for the fuzzer's current token, which the fuzzer itself may revoke. */
const FUZZER_TOKEN = '{fuzzer-token}'
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']
// Just over the 64 KiB limit (abuse-limits.test.ts sends 10 MB to each route once).
const OVERSIZED = Buffer.from(`{"content":"${'a'.repeat(70 * 1024)}"}`)

type Client = VfxChatClient & { address: string; signer: VfxSigner }

let server: TestServer
let operations: Operation[]
let alice: Client
let bob: Client
let fuzzer: Client
let revokedToken: string
let stranger: string
let aliceShop: Shop
let fuzzerShop: Shop
let aliceThread: ThreadDetail
let fuzzerThread: ThreadDetail

/** What the fuzzer has no right to change: Alice and Bob's conversation and Alice's shop. */
async function othersData() {
  return {
    aliceView: await alice.getThread(aliceThread.uuid),
    bobView: await bob.getThread(aliceThread.uuid),
    messages: await alice.listMessages(aliceThread.uuid, { after: 0, limit: 500 }),
    shop: await alice.getShop(aliceShop.id),
  }
}
let before: Awaited<ReturnType<typeof othersData>>

beforeAll(async () => {
  server = await startTestServer()
  ;[alice, bob, fuzzer] = await Promise.all([server.signIn(), server.signIn(), server.signIn()])
  const revoked = await server.signIn()
  revokedToken = revoked.token!
  await revoked.signOut()
  stranger = VfxSigner.generate().address
  aliceShop = await alice.createShop({ name: 'Alice Art', url: 'vfx://alice-art' })
  ;({ thread: aliceThread } = await alice.createThread({
    participants: [alice.address, bob.address],
    shop_id: aliceShop.id,
    initial_message: 'a private offer',
  }))
  await bob.sendMessage(aliceThread.uuid, { content: 'a private counter-offer' })
  fuzzerShop = await fuzzer.createShop({ name: 'Fuzz', url: 'vfx://fuzz' })
  ;({ thread: fuzzerThread } = await fuzzer.createThread({ participants: [fuzzer.address, bob.address], initial_message: 'hi' }))
  operations = await routeTable(server.url)
  before = await othersData()
})
afterAll(() => server.destroy())

function pathValue(name: string): fc.Arbitrary<string> {
  const known =
    name === 'uuid'
      ? [aliceThread.uuid, fuzzerThread.uuid, aliceThread.uuid.toUpperCase(), randomUUID()]
      : [String(aliceShop.id), String(fuzzerShop.id), '0', '-1', '1e3', '01', '2147483648', '99999999999']
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: nastyString.map(percentEncoded) },
    { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%C0%AF', '%00', '%ED%A0%80', '..', 'x'.repeat(500)) },
  )
}

/** Values that pass validation often enough to reach the service and the store. */
function plausible(field: string): fc.Arbitrary<unknown> {
  const addresses = [fuzzer.address, alice.address, bob.address, stranger]
  switch (field) {
    case 'participants':
      return fc.subarray(addresses)
    case 'address':
    case 'sender':
      return fc.constantFrom(...addresses)
    case 'shop_id':
      return fc.constantFrom(aliceShop.id, fuzzerShop.id, null)
    case 'content':
    case 'initial_message':
    case 'name':
    case 'search':
      return fc.string({ unit: 'grapheme', maxLength: 50 })
    case 'url':
    case 'shop_url':
      return fc.oneof(fc.constant('vfx://alice-art'), fc.stringMatching(/^(vfx|rbx):\/\/[a-z0-9._-]{1,70}$/))
    case 'up_to':
    case 'after':
    case 'before':
    case 'after_id':
    case 'limit':
    case 'page':
    case 'page_size':
      return fc.integer({ min: 0, max: 600 })
    case 'client_id':
      return fc.string({ minLength: 1, maxLength: 64 })
    case 'since':
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString())
    default:
      return fc.boolean()
  }
}

const fieldValue = (field: string) => fc.oneof({ weight: 3, arbitrary: plausible(field) }, { weight: 1, arbitrary: nastyValue })

function body(operation: Operation): fc.Arbitrary<string | Uint8Array | undefined> {
  const fields = operation.bodyFields ?? []
  const record = fc
    .record(Object.fromEntries(fields.map((field) => [field, fieldValue(field)])), { requiredKeys: [] })
    .chain((shaped) => fc.dictionary(nastyString, nastyValue, { maxKeys: 3 }).map((extra) => ({ ...extra, ...shaped })))
    .map((value) => JSON.stringify(value))
  return fc.oneof(
    { weight: 8, arbitrary: record },
    { weight: 3, arbitrary: rawBody },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(OVERSIZED) },
  )
}

function query(operation: Operation): fc.Arbitrary<string> {
  const names = [...operation.queryParams, '__proto__', 'constructor', 'token']
  const pair = fc.tuple(
    fc.oneof(fc.constantFrom(...names), nastyString),
    fc.oneof(fc.constantFrom(...names).chain((name) => plausible(name).map(String)), nastyString),
  )
  return fc.oneof(
    fc.array(pair, { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
    fc.constantFrom(
      '%ZZ=%',
      'page=1&page=2',
      'token=a&token=b',
      'participants=&participants=x',
      'a[b][c]=1',
      `participants=${'R,'.repeat(3000)}`,
    ),
  )
}

// Any byte a header value may carry (visible ASCII and obs-text); fetch refuses the rest.
const headerByte = fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
const headerText = fc.string({ unit: headerByte.map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 60 })

function headers(): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${FUZZER_TOKEN}`) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '',
        `Bearer ${revokedToken}`,
        'Bearer',
        'Basic Zm9vOmJhcg==',
        `Bearer ${'a'.repeat(8000)}`,
        `bearer ${FUZZER_TOKEN}`,
        `Bearer ${FUZZER_TOKEN} extra`,
        'Bearer \u00ff\u00fe',
      ),
    },
  )
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    { weight: 3, arbitrary: fc.constantFrom(
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    '*/*',
    '',
  ) },
  )
  const extra = fc.dictionary(
    fc.constantFrom('x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'accept', 'accept-encoding', 'origin', 'last-event-id', 'range', 'cookie'),
    headerText,
    { maxKeys: 3 },
  )
  return fc.tuple(authorization, contentType, extra).map(([auth, type, rest]) => ({
    ...rest,
    ...(auth === '' ? {} : { authorization: auth }),
    ...(type === '' ? {} : { 'content-type': type }),
  }))
}

function hostileRequest(operation: Operation) {
  const path = fc
    .tuple(...operation.pathParams.map((name) => pathValue(name).map((value) => [name, value] as const)))
    .map((values) => values.reduce((url, [name, value]) => url.replace(`{${name}}`, value), operation.path))
  return fc.record({
    method: fc.oneof({ weight: 5, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path: operation.pathParams.length === 0 ? fc.constant(operation.path) : path,
    query: query(operation),
    headers: headers(),
    body: body(operation),
  })
}

describe('fuzzing every route of the OpenAPI document', () => {
  it('answers hostile requests in the contract, never with a 5xx, and keeps serving', async () => {
    expect(operations.length).toBeGreaterThan(10)
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(hostileRequest(operation), async (request) => {
          const carriesBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD'
          const headers = Object.fromEntries(
            Object.entries(request.headers).map(([name, value]) => [name, value.replace(FUZZER_TOKEN, fuzzer.token!)]),
          )
          const response = await fetch(`${server.url}${request.path}${request.query ? `?${request.query}` : ''}`, {
            method: request.method,
            headers,
            body: carriesBody ? (request.body as BodyInit) : undefined,
          })
          // A stream that opened never ends: its status is the answer.
          const streaming = response.headers.get('content-type')?.startsWith('text/event-stream')
          const text = streaming ? '' : await response.text()
          if (streaming) await response.body?.cancel()
          if (response.status === 401 && headers.authorization === `Bearer ${fuzzer.token}`) await fuzzer.signIn(fuzzer.signer)
          const sent = `${request.path} ${decodeURIComponentSafe(request.query)} ${typeof request.body === 'string' ? request.body : ''}`
          const label = `${request.method} ${request.path}?${request.query} [${operationKey(operation)}]`
          expectContractAnswer({ status: response.status, text }, { method: request.method, label, text: sent })
        }),
        { numRuns: RUNS_PER_OPERATION },
      )
    }

    await expectStillServing()
  }, 60_000 + RUNS_PER_OPERATION * 1000)

  it('answers hostile WebSocket frames with error frames in the contract, never a 5xx, and keeps the socket', async () => {
    const fields = {
      type: fc.oneof(fc.constantFrom('auth', 'send', 'read', 'typing', 'resume'), nastyString),
      thread_uuid: fc.oneof(fc.constantFrom(aliceThread.uuid, fuzzerThread.uuid, randomUUID()), nastyString),
      token: fc.constantFrom(FUZZER_TOKEN, 'garbage', ''),
      ...Object.fromEntries(['content', 'client_id', 'up_to', 'after_id'].map((field) => [field, fieldValue(field)])),
    }
    const frame = fc.oneof(
      { weight: 6, arbitrary: fc.record(fields, { requiredKeys: ['type'] }).map((value) => JSON.stringify(value)) },
      { weight: 2, arbitrary: rawBody },
    )
    // A thread of its own: the HTTP fuzzing may have deleted or reshaped the fuzzer's first one.
    const { thread } = await fuzzer.createThread({ participants: [fuzzer.address, VfxSigner.generate().address] })
    let sentinel = 0
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 12 }), async (frames) => {
        const ws = await openWs(server.url, { token: fuzzer.token! })
        for (const data of frames) ws.socket.send(typeof data === 'string' ? data.replace(FUZZER_TOKEN, fuzzer.token!) : data)
        // Frames are handled in order: once this one is acknowledged, every earlier one was answered.
        const clientId = `sentinel-${++sentinel}`
        ws.send({ type: 'send', thread_uuid: thread.uuid, content: 'still here', client_id: clientId })
        const received = await ws.frames.until((all) => all.some((f) => f.type === 'ack' && f.data.client_id === clientId))
        for (const error of received.filter((f) => f.type === 'error')) {
          expect(error.data.status, JSON.stringify(error)).toBeLessThan(500)
          expect(isContractError(Number(error.data.status), error.data.body), JSON.stringify(error)).toBe(true)
        }
        ws.socket.close()
      }),
      { numRuns: RUNS_PER_OPERATION },
    )
    await expectStillServing()
  }, 60_000 + RUNS_PER_OPERATION * 1000)
})

/** The process still answers, and what the fuzzer had no right to touch is as it was. */
async function expectStillServing() {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  expect(await othersData()).toEqual(before)
  const { created } = await alice.sendMessage(aliceThread.uuid, { content: 'still here', client_id: randomUUID() })
  expect(created).toBe(true)
  // Alice's own send changed her data: it is the baseline of the next check.
  before = await othersData()
}

/** Every UTF-8 byte as %XX (encodeURIComponent throws on a lone surrogate). */
function percentEncoded(text: string): string {
  return Array.from(Buffer.from(text), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}
