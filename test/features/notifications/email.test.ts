import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/core/config.js'
import { secretHash } from '../../../src/core/secret-hash.js'
import { raw, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { PUBLIC_URL, startMailingServer, type SmtpInbox } from '../../helpers/smtp-inbox.js'

const EMAIL = '/api/notifications/email/'
const BAD_LINK = { token: ['This link is invalid or has expired.'] }

/** The token of the verification link in the next mail to `email`. */
async function linkTokenFor(inbox: SmtpInbox, email: string): Promise<string> {
  const { mail, token } = await inbox.linkToken(email, `${PUBLIC_URL}${EMAIL}verify/`)
  expect(mail.subject).toBe('Confirm your e-mail address for VFX Chat')
  expect(mail.html).toContain(`${PUBLIC_URL}${EMAIL}verify/?token=${token}`)
  return token
}

forEachEngine((engine) => {
  let server: TestServer
  let inbox: SmtpInbox
  const clock = new ManualClock()
  let n = 0
  const nextEmail = () => `person${++n}.${engine}@Example.COM`

  let stop: () => Promise<void>
  beforeAll(async () => {
    ;({ server, inbox, stop } = await startMailingServer(engine, clock))
  })
  afterAll(() => stop())

  describe('PUT /api/notifications/email/', () => {
    it('answers 202 and mails a link whose page POSTs; only the POST verifies, and only once', async () => {
      const alice = await server.signIn()
      const email = nextEmail()
      const stored = email.replace('Example.COM', 'example.com')
      const put = await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      expect({ status: put.status, body: put.json }).toEqual({ status: 202, body: { email: stored, verified: false } })
      const token = await linkTokenFor(inbox, stored)

      // What a mail scanner's prefetch sees: a page with a button, and nothing verified.
      const page = await raw(server, 'GET', `${EMAIL}verify/?token=${token}`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.text).toContain(`<form method="post" action="?token=${token}">`)
      expect((await raw(server, 'GET', EMAIL, { token: alice.token })).json).toEqual({ email: stored, verified: false })

      const verified = await raw(server, 'POST', `${EMAIL}verify/?token=${token}`)
      expect({ status: verified.status, body: verified.json }).toEqual({ status: 200, body: { email: stored, verified: true } })
      expect((await raw(server, 'GET', EMAIL, { token: alice.token })).json).toEqual({ email: stored, verified: true })
      const again = await raw(server, 'POST', `${EMAIL}verify/?token=${token}`)
      expect({ status: again.status, body: again.json }).toEqual({ status: 400, body: BAD_LINK })
    })

    it('answers a browser that confirmed with a page', async () => {
      const alice = await server.signIn()
      const email = `browser.${engine}@example.com`
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      const token = await linkTokenFor(inbox, email)
      const confirmed = await raw(server, 'POST', `${EMAIL}verify/?token=${token}`, {
        body: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml' },
      })
      expect(confirmed.status).toBe(200)
      expect(confirmed.text).toContain('<h1>E-mail address confirmed</h1>')
      expect((await raw(server, 'GET', EMAIL, { token: alice.token })).json).toEqual({ email, verified: true })
    })

    it('stores only a hash of the verification token', async () => {
      const alice = await server.signIn()
      const email = nextEmail().toLowerCase()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      const token = await linkTokenFor(inbox, email)
      const row = await withDatabase(server, (db) => db.selectFrom('email_addresses').selectAll().where('address', '=', alice.address).executeTakeFirstOrThrow())
      expect(row.verification_hash).toBe(secretHash(token))
      expect(JSON.stringify(row)).not.toContain(token)
    })

    it('refuses what is not one e-mail address with 400 on email, header injection included', async () => {
      const alice = await server.signIn()
      for (const email of [
        'not-an-email',
        'a@localhost',
        'someone@example.com\r\nBcc: victim@example.com',
        'two words@example.com',
        '<a@example.com>',
        'a@example.com, b@example.com',
        'a@-example.com',
        `${'x'.repeat(65)}@example.com`,
        '',
      ]) {
        const answer = await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
        expect({ email, status: answer.status, body: answer.json }).toEqual({ email, status: 400, body: { email: ['Enter a valid email address.'] } })
      }
      const missing = await raw(server, 'PUT', EMAIL, { token: alice.token, body: {} })
      expect(missing.status).toBe(400)
      expect(Object.keys(missing.json as object)).toEqual(['email'])
      expect((await raw(server, 'GET', EMAIL, { token: alice.token })).status).toBe(404)
    })

    it('takes dots, plus tags and subdomains, lower-casing only the domain', async () => {
      const cases: Array<[string, string]> = [
        [`First.Last+chat-${engine}@Mail.Example.co.uk`, `First.Last+chat-${engine}@mail.example.co.uk`],
        [`o'brien_${engine}@example-shop.io`, `o'brien_${engine}@example-shop.io`],
      ]
      for (const [email, stored] of cases) {
        const person = await server.signIn()
        const answer = await raw(server, 'PUT', EMAIL, { token: person.token, body: { email } })
        expect({ status: answer.status, body: answer.json }).toEqual({ status: 202, body: { email: stored, verified: false } })
        await linkTokenFor(inbox, stored)
      }
    })

    it('mails one link a minute at most: asking again sooner → 429 with Retry-After', async () => {
      const alice = await server.signIn()
      expect((await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: nextEmail() } })).status).toBe(202)
      const sooner = await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: nextEmail() } })
      expect({ status: sooner.status, retryAfter: sooner.headers.get('retry-after'), body: sooner.json }).toEqual({
        status: 429,
        retryAfter: '60',
        body: { detail: 'Request was throttled.' },
      })
      clock.advance(60_000)
      expect((await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: nextEmail() } })).status).toBe(202)
    })

    it('lets one of ten requests at once through, and mails one link', async () => {
      const alice = await server.signIn()
      const emails = Array.from({ length: 10 }, () => nextEmail().toLowerCase())
      const answers = await Promise.all(emails.map((email) => raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })))
      expect(answers.map((answer) => answer.status).sort()).toEqual([202, ...Array<number>(9).fill(429)])
      const bound = emails[answers.findIndex((answer) => answer.status === 202)]!
      await linkTokenFor(inbox, bound)
      await expect.poll(() => withDatabase(server, (db) => db.selectFrom('jobs').select('id').where('queue', '=', 'email').execute())).toEqual([])
      expect(emails.flatMap((email) => inbox.to(email))).toHaveLength(1)
    })

    it('binds a new address unverified: the old link no longer verifies', async () => {
      const alice = await server.signIn()
      const first = nextEmail().toLowerCase()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: first } })
      const oldToken = await linkTokenFor(inbox, first)
      clock.advance(60_000)
      const second = nextEmail().toLowerCase()
      expect((await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: second } })).json).toEqual({ email: second, verified: false })
      await linkTokenFor(inbox, second)
      expect((await raw(server, 'POST', `${EMAIL}verify/?token=${oldToken}`)).json).toEqual(BAD_LINK)
    })

    it('answers 200 and mails nothing for the address already verified', async () => {
      const alice = await server.signIn()
      const email = nextEmail().toLowerCase()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      await raw(server, 'POST', `${EMAIL}verify/?token=${await linkTokenFor(inbox, email)}`)
      const again = await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      expect({ status: again.status, body: again.json }).toEqual({ status: 200, body: { email, verified: true } })
      expect(await withDatabase(server, (db) => db.selectFrom('jobs').select('id').where('queue', '=', 'email').execute())).toEqual([])
    })

    it('lets a link expire after 24 hours', async () => {
      const alice = await server.signIn()
      const email = nextEmail().toLowerCase()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      const token = await linkTokenFor(inbox, email)
      clock.advance(24 * 3_600_000)
      expect((await raw(server, 'POST', `${EMAIL}verify/?token=${token}`)).json).toEqual(BAD_LINK)
    })

    it('tries a mail the SMTP server refused again later', async () => {
      const alice = await server.signIn()
      const email = nextEmail().toLowerCase()
      inbox.refuse(1)
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      // Handed back after its first try, to run again after its backoff.
      await expect
        .poll(() => withDatabase(server, (db) => db.selectFrom('jobs').select(['attempts', 'lease_until']).where('queue', '=', 'email').execute()))
        .toEqual([{ attempts: 1, lease_until: null }])
      expect(inbox.to(email)).toEqual([])
      clock.advance(30_000)
      await linkTokenFor(inbox, email)
    })
  })

  describe('the links (verify/, unsubscribe/)', () => {
    it('answer a missing, overlong or unknown token with 400 on token, and a body of another kind with 415', async () => {
      for (const link of ['verify', 'unsubscribe']) {
        for (const method of ['GET', 'POST']) {
          const missing = await raw(server, method, `${EMAIL}${link}/`)
          expect({ link, method, status: missing.status, fields: Object.keys(missing.json as object) }).toEqual({ link, method, status: 400, fields: ['token'] })
          expect((await raw(server, method, `${EMAIL}${link}/?token=${'x'.repeat(129)}`)).status).toBe(400)
        }
        expect((await raw(server, 'POST', `${EMAIL}${link}/?token=unknown`)).json).toEqual(BAD_LINK)
        const xml = await raw(server, 'POST', `${EMAIL}${link}/?token=unknown`, { body: '<a/>', headers: { 'content-type': 'text/xml' } })
        expect(xml.status).toBe(415)
      }
    })
  })

  describe('DELETE /api/notifications/email/', () => {
    it('forgets the address: 204, then 404 for GET and DELETE', async () => {
      const alice = await server.signIn()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: nextEmail() } })
      expect((await raw(server, 'DELETE', EMAIL, { token: alice.token })).status).toBe(204)
      for (const method of ['GET', 'DELETE']) {
        const answer = await raw(server, method, EMAIL, { token: alice.token })
        expect({ status: answer.status, body: answer.json }).toEqual({ status: 404, body: { detail: 'No e-mail address is set.' } })
      }
    })

    it('goes with an erased account', async () => {
      const alice = await server.signIn()
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email: nextEmail() } })
      await alice.eraseAccount(alice.address)
      expect(await withDatabase(server, (db) => db.selectFrom('email_addresses').select('email').where('address', '=', alice.address).execute())).toEqual([])
    })
  })

  describe('without SMTP_URL', () => {
    let bare: TestServer
    beforeAll(async () => {
      bare = await startTestServer({}, { engine })
    })
    afterAll(() => bare.destroy())

    it('answers every e-mail route 404 "E-mail is not enabled on this server." (401 first without a token)', async () => {
      const alice = await bare.signIn()
      const calls: Array<[string, string, unknown?]> = [
        ['GET', EMAIL],
        ['PUT', EMAIL, { email: 'a@example.com' }],
        ['DELETE', EMAIL],
        ['GET', `${EMAIL}verify/?token=x`],
        ['POST', `${EMAIL}verify/?token=x`],
        ['GET', `${EMAIL}unsubscribe/?token=x`],
        ['POST', `${EMAIL}unsubscribe/?token=x`],
      ]
      for (const [method, path, body] of calls) {
        const answer = await raw(bare, method, path, { token: alice.token, body })
        expect({ method, path, status: answer.status, body: answer.json }).toEqual({ method, path, status: 404, body: { detail: 'E-mail is not enabled on this server.' } })
      }
      expect((await raw(bare, 'GET', EMAIL)).status).toBe(401)
    })
  })
})

describe('e-mail configuration', () => {
  it('refuses SMTP_URL without PUBLIC_URL, and malformed values, naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ SMTP_URL: 'smtp://127.0.0.1:25' }, /^SMTP_URL needs PUBLIC_URL/],
      [{ SMTP_URL: 'http://mail', PUBLIC_URL }, /^SMTP_URL must be smtp:\/\/… or smtps:\/\/…/],
      [{ PUBLIC_URL: 'chat.example' }, /^PUBLIC_URL must be an http\(s\) URL/],
      [{ PUBLIC_URL, MAIL_FROM: 'nobody' }, /^MAIL_FROM must be an address/],
    ]
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    }
  })

  it('sends from no-reply at the PUBLIC_URL host unless MAIL_FROM says otherwise', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'https://chat.example/' })
    expect([config.publicUrl, config.mailFrom]).toEqual(['https://chat.example', 'VFX Chat <no-reply@chat.example>'])
  })
})
