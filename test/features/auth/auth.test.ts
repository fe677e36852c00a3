import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError, raw, TIME, withDatabase } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  const INVALID_SIGNATURE = { detail: 'Invalid signature.' }
  const SPENT_CHALLENGE = { detail: 'This challenge was not issued for this address, has expired, or was already used.' }

  function anonymous() {
    return new VfxChatClient(server.url)
  }

  describe('POST /api/auth/challenge/', () => {
    it('answers the text to sign, naming the service, the address and a nonce, valid 5 minutes', async () => {
      const signer = VfxSigner.generate()
      const before = Date.now()
      const challenge = await anonymous().challenge(signer.address)
      expect(challenge).toEqual({ address: signer.address, message: expect.any(String), expires_at: expect.stringMatching(TIME) })
      expect(challenge.message).toContain('VFX Chat')
      expect(challenge.message).toContain(signer.address)
      expect(challenge.message).toMatch(/Nonce: [0-9a-f]{32}/)
      const lifetime = Date.parse(challenge.expires_at) - before
      expect(lifetime).toBeGreaterThan(299_000)
      expect(lifetime).toBeLessThanOrEqual(301_000)
    })

    it('gives a new nonce on every call', async () => {
      const { address } = VfxSigner.generate()
      const [a, b] = await Promise.all([anonymous().challenge(address), anonymous().challenge(address)])
      expect(a.message).not.toBe(b.message)
    })

    it('refuses an invalid address with 400 on address', async () => {
      await expectError(anonymous().challenge('R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBX'), 400, {
        address: ['Enter a valid VFX mainnet address.'],
      })
    })

    it('refuses a testnet address on mainnet', async () => {
      const { address } = VfxSigner.generate({ network: 'testnet' })
      await expectError(anonymous().challenge(address), 400, { address: ['Enter a valid VFX mainnet address.'] })
    })

    it('requires the address', async () => {
      const answer = await raw(server, 'POST', '/api/auth/challenge/', { body: {} })
      expect(answer).toMatchObject({ status: 400, json: { address: ['This field is required.'] } })
    })
  })

  describe('POST /api/auth/token/', () => {
    it('exchanges a signed challenge for a token that lives TOKEN_TTL seconds', async () => {
      const signer = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(signer.address)
      const before = Date.now()
      const session = await client.issueToken(signer.address, message, signer.sign(message))
      expect(session).toEqual({ token: expect.any(String), address: signer.address, expires_at: expect.stringMatching(TIME) })
      expect(session.token.length).toBeGreaterThanOrEqual(43) // 32 random bytes, base64url
      expect(Math.abs(Date.parse(session.expires_at) - before - 86_400_000)).toBeLessThan(5_000)
      const signedIn = new VfxChatClient(server.url, session.token)
      expect(await signedIn.listThreads()).toEqual({ count: 0, next: null, previous: null, results: [] })
    })

    it('signs in the public test key of docs/api.md §1 as R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR', async () => {
      const signer = VfxSigner.fromPrivateKey('18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725')
      const client = await server.signIn(signer)
      expect(client.address).toBe('R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR')
    })

    it('stores only a hash of the token', async () => {
      const client = await server.signIn()
      const stored = await withDatabase(server, (db) =>
        db.selectFrom('tokens').select('token_hash').where('address', '=', client.address).execute(),
      )
      expect(stored).toEqual([{ token_hash: createHash('sha256').update(client.token!).digest('hex') }])
    })

    it('refuses a bad signature with 401', async () => {
      const signer = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(signer.address)
      const forged = signer.sign(`${message}!`)
      await expectError(client.issueToken(signer.address, message, forged), 401, INVALID_SIGNATURE)
      await expectError(client.issueToken(signer.address, message, 'not-a-signature'), 401, INVALID_SIGNATURE)
    })

    it('refuses a signature by another key than the address', async () => {
      const owner = VfxSigner.generate()
      const thief = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(owner.address)
      await expectError(client.issueToken(owner.address, message, thief.sign(message)), 401, INVALID_SIGNATURE)
      // The forged attempt did not burn the owner's challenge.
      expect((await client.issueToken(owner.address, message, owner.sign(message))).address).toBe(owner.address)
    })

    it('refuses a challenge issued for address A when B signs it', async () => {
      const a = VfxSigner.generate()
      const b = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(a.address)
      await expectError(client.issueToken(b.address, message, b.sign(message)), 401, SPENT_CHALLENGE)
    })

    it('refuses a challenge used once already', async () => {
      const signer = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(signer.address)
      await client.issueToken(signer.address, message, signer.sign(message))
      await expectError(client.issueToken(signer.address, message, signer.sign(message)), 401, SPENT_CHALLENGE)
    })

    it('refuses a message the server never issued', async () => {
      const signer = VfxSigner.generate()
      const message = `Sign in to VFX Chat\nAddress: ${signer.address}\nNonce: ${'0'.repeat(32)}`
      await expectError(anonymous().issueToken(signer.address, message, signer.sign(message)), 401, SPENT_CHALLENGE)
    })

    it('refuses an expired challenge', async () => {
      const signer = VfxSigner.generate()
      const client = anonymous()
      const { message } = await client.challenge(signer.address)
      await withDatabase(server, (db) =>
        db.updateTable('challenges').set({ expires_at: '2020-01-01T00:00:00.000Z' }).where('address', '=', signer.address).execute(),
      )
      await expectError(client.issueToken(signer.address, message, signer.sign(message)), 401, SPENT_CHALLENGE)
    })

    it('requires address, message and signature', async () => {
      const answer = await raw(server, 'POST', '/api/auth/token/', { body: {} })
      expect(answer).toMatchObject({
        status: 400,
        json: {
          address: ['This field is required.'],
          message: ['This field is required.'],
          signature: ['This field is required.'],
        },
      })
    })
  })

  describe('DELETE /api/auth/token/', () => {
    it('revokes the token at once: 204, then 401 with WWW-Authenticate: Bearer', async () => {
      const client = await server.signIn()
      const token = client.token!
      const answer = await raw(server, 'DELETE', '/api/auth/token/', { token })
      expect(answer).toMatchObject({ status: 204, text: '' })
      const after = await raw(server, 'GET', '/api/chat/', { token })
      expect(after).toMatchObject({ status: 401, json: { detail: 'Invalid or expired token.' } })
      expect(after.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    })

    it("leaves the address's other tokens working", async () => {
      const signer = VfxSigner.generate()
      const first = await server.signIn(signer)
      const second = await server.signIn(signer)
      await first.signOut()
      expect((await second.listThreads()).count).toBe(0)
    })
  })

  describe('bearer authentication on /api/chat/', () => {
    async function expect401(headers: Record<string, string>, detail: string) {
      const answer = await raw(server, 'GET', '/api/chat/', { headers })
      expect({ status: answer.status, json: answer.json }).toEqual({ status: 401, json: { detail } })
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    }

    it('refuses a request without a token on every signed-in endpoint', async () => {
      const uuid = '00000000-0000-4000-8000-000000000000'
      for (const [method, path] of [
        ['GET', '/api/chat/'],
        ['POST', '/api/chat/'],
        ['GET', '/api/chat/lookup/?participants=a,b'],
        ['GET', '/api/chat/new-messages/'],
        ['GET', `/api/chat/${uuid}/`],
        ['PATCH', `/api/chat/${uuid}/`],
        ['DELETE', `/api/chat/${uuid}/`],
        ['GET', `/api/chat/${uuid}/message/`],
        ['POST', `/api/chat/${uuid}/message/`],
        ['POST', `/api/chat/${uuid}/read/`],
        ['DELETE', '/api/auth/token/'],
        ['POST', '/api/shop/'],
        ['PATCH', '/api/shop/1/'],
        ['DELETE', '/api/shop/1/'],
      ] as const) {
        const answer = await raw(server, method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} })
        expect({ method, path, status: answer.status, json: answer.json, scheme: answer.headers.get('www-authenticate') }).toEqual({
          method,
          path,
          status: 401,
          json: { detail: 'Authentication credentials were not provided.' },
          scheme: expect.stringMatching(/^Bearer\b/),
        })
      }
    })

    it('refuses an unknown token', async () => {
      await expect401({ authorization: 'Bearer not-a-token-at-all' }, 'Invalid or expired token.')
    })

    it('refuses a header that is not "Bearer <token>"', async () => {
      await expect401({ authorization: 'Basic dXNlcjpwYXNz' }, 'Invalid Authorization header: expected "Bearer <token>".')
    })

    it('refuses an overlong token without looking it up', async () => {
      await expect401({ authorization: `Bearer ${'a'.repeat(5000)}` }, 'Invalid or expired token.')
    })

    it('refuses an expired token', async () => {
      const client = await server.signIn()
      const past = new Date(Date.now() - 1000).toISOString()
      await withDatabase(server, (db) => db.updateTable('tokens').set({ expires_at: past }).where('address', '=', client.address!).execute())
      await expect401({ authorization: `Bearer ${client.token}` }, 'Invalid or expired token.')
    })

    it('accepts the scheme name in any case', async () => {
      const client = await server.signIn()
      const answer = await raw(server, 'GET', '/api/chat/', { headers: { authorization: `bearer ${client.token}` } })
      expect(answer.status).toBe(200)
    })
  })

  describe('sign-in rate limit (RATE_LIMIT_SIGNIN)', () => {
    it('answers the third call in a minute with 429, Retry-After and a detail', async () => {
      const limited = await startTestServer({ RATE_LIMIT_SIGNIN: '2' }, { engine })
      try {
        const { address } = VfxSigner.generate()
        const client = new VfxChatClient(limited.url)
        await client.challenge(address)
        await client.challenge(address)
        const error = await expectError(client.challenge(address), 429, { detail: 'Request was throttled.' })
        const retryAfter = Number(error.headers.get('retry-after'))
        expect(retryAfter).toBeGreaterThanOrEqual(1)
        expect(retryAfter).toBeLessThanOrEqual(60)
      } finally {
        await limited.destroy()
      }
    })
  })
})
