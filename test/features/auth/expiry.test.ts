import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { expectError } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

const EXPIRED = { detail: 'Invalid or expired token.' }
const SPENT = { detail: 'This challenge was not issued for this address, has expired, or was already used.' }

// Time comes from the server's clock, so these rules are tested by moving it, not by waiting.
forEachEngine((engine) => {
  const clock = new ManualClock()
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_TTL: '3600' }, { engine, clock })
  })
  afterAll(() => server.destroy())

  describe('token expiry (TOKEN_TTL)', () => {
    it('expires_at is the clock plus TOKEN_TTL, and the token works until then', async () => {
      const client = new VfxChatClient(server.url)
      const session = await client.signIn(VfxSigner.generate())
      expect(session.expires_at).toBe(new Date(clock.now() + 3_600_000).toISOString())
      clock.advance(3_599_000)
      expect((await client.listThreads()).count).toBe(0)
    })

    it('refuses a token one second past its expiry with 401', async () => {
      const client = await server.signIn()
      clock.advance(3_601_000)
      await expectError(client.listThreads(), 401, EXPIRED)
    })
  })

  describe('challenge expiry (5 minutes)', () => {
    it('takes a signed challenge within 5 minutes', async () => {
      const signer = VfxSigner.generate()
      const client = new VfxChatClient(server.url)
      const { message, expires_at } = await client.challenge(signer.address)
      expect(expires_at).toBe(new Date(clock.now() + 300_000).toISOString())
      clock.advance(299_000)
      await expect(client.issueToken(signer.address, message, signer.sign(message))).resolves.toMatchObject({
        address: signer.address,
      })
    })

    it('refuses a challenge signed after its 5 minutes with 401', async () => {
      const signer = VfxSigner.generate()
      const client = new VfxChatClient(server.url)
      const { message } = await client.challenge(signer.address)
      clock.advance(300_001)
      await expectError(client.issueToken(signer.address, message, signer.sign(message)), 401, SPENT)
    })
  })
})
