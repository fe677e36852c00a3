import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import type { TestServer } from '../../helpers/server.js'
import { PUBLIC_URL, startMailingServer, type SmtpInbox } from '../../helpers/smtp-inbox.js'

const EMAIL = '/api/notifications/email/'
const MINUTE = 60_000

/** A time of day as quiet hours take it, in UTC. */
function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16)
}

forEachEngine((engine) => {
  let server: TestServer
  let inbox: SmtpInbox
  const clock = new ManualClock()
  let n = 0

  let stop: () => Promise<void>
  beforeAll(async () => {
    ;({ server, inbox, stop } = await startMailingServer(engine, clock))
  })
  afterAll(() => stop())

  /** Someone signed in with a verified e-mail address, and that address. */
  async function withEmail() {
    const person = await server.signIn()
    const email = `digest${++n}.${engine}@example.com`
    await raw(server, 'PUT', EMAIL, { token: person.token, body: { email } })
    const { token } = await inbox.linkToken(email, `${PUBLIC_URL}${EMAIL}verify/`)
    expect((await raw(server, 'POST', `${EMAIL}verify/?token=${token}`)).status).toBe(200)
    return Object.assign(person, { email })
  }

  /** When the digest planned for `address` is due, once the fan-out planned one. */
  async function plannedDigest(address: string): Promise<string> {
    const dueAt = () =>
      withDatabase(server, (db) => db.selectFrom('email_addresses').select('digest_due_at').where('address', '=', address).executeTakeFirstOrThrow())
    await expect.poll(async () => (await dueAt()).digest_due_at).not.toBeNull()
    return (await dueAt()).digest_due_at!
  }

  /** A message from someone new to `person`, and the digest that tells of it 15 minutes later. */
  async function digestOfOneMessage(person: { address: string; email: string }) {
    const bob = await server.signIn()
    const { thread } = await bob.createThread({ participants: [bob.address, person.address], initial_message: 'hello' })
    await plannedDigest(person.address)
    clock.advance(15 * MINUTE)
    const digest = await inbox.next((mail) => mail.to.includes(person.email))
    return { bob, thread, digest, unsubscribePath: /^<https:\/\/chat\.example(\/[^>]+)>$/.exec(digest.headers.get('list-unsubscribe')!)![1]! }
  }

  /** Waits until the fan-out and every e-mail job are done. */
  async function settled(): Promise<void> {
    await expect
      .poll(() => withDatabase(server, (db) => db.selectFrom('jobs').select('queue').where('queue', 'in', ['chat-events', 'email']).execute()))
      .toEqual([])
  }

  async function patchPreferences(token: string | null, body: Record<string, unknown>) {
    expect((await raw(server, 'PATCH', '/api/notifications/preferences/', { token, body })).status).toBe(200)
  }

  describe('digests', () => {
    it('comes once a message waited digest_after_minutes: counts and thread links, never the words', async () => {
      const alice = await withEmail()
      const [bob, carol] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await carol.createShop({ name: 'Carol Cameras', url: `vfx://${randomUUID()}` })
      const sentAt = clock.now()
      const { thread: withBob } = await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'secret words one' })
      await bob.sendMessage(withBob.uuid, { content: 'secret words two' })
      const { thread: atShop } = await alice.createThread({ participants: [alice.address], shop_id: shop.id })
      await carol.sendMessage(atShop.uuid, { content: 'secret words three' })
      expect(await plannedDigest(alice.address)).toBe(new Date(sentAt + 15 * MINUTE).toISOString())

      clock.advance(15 * MINUTE)
      const digest = await inbox.next((mail) => mail.to.includes(alice.email))
      expect(digest.subject).toBe('3 unread messages on VFX Chat')
      expect(digest.text).toContain(`Carol Cameras (${carol.address}): 1 unread\n  ${PUBLIC_URL}/#/t/${atShop.uuid}`)
      expect(digest.text).toContain(`${bob.address}: 2 unread\n  ${PUBLIC_URL}/#/t/${withBob.uuid}`)
      expect(digest.html).toContain(`<a href="${PUBLIC_URL}/#/t/${withBob.uuid}">${bob.address}: 2 unread</a>`)
      expect(digest.text + digest.html).not.toContain('secret words')
      const unsubscribe = /^<(https:\/\/chat\.example\/api\/notifications\/email\/unsubscribe\/\?token=[A-Za-z0-9_-]+)>$/.exec(digest.headers.get('list-unsubscribe') ?? '')
      expect(unsubscribe).not.toBeNull()
      expect(digest.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
      expect(digest.text).toContain(`Turn these e-mails off: ${unsubscribe![1]}`)
    })

    it('tells only of what came since the last digest', async () => {
      const alice = await withEmail()
      const { bob, thread, digest } = await digestOfOneMessage(alice)
      expect(digest.subject).toBe('1 unread message on VFX Chat')

      await bob.sendMessage(thread.uuid, { content: 'two' })
      await bob.sendMessage(thread.uuid, { content: 'three' })
      await expect.poll(() => plannedDigest(alice.address)).toBe(new Date(clock.now() + 15 * MINUTE).toISOString())
      clock.advance(15 * MINUTE)
      const second = await inbox.next((mail) => mail.to.includes(alice.email))
      expect(second.subject).toBe('2 unread messages on VFX Chat')
      expect(second.text).toContain(`${bob.address}: 2 unread`)
    })

    it('carries the newest words with previews on, escaped in the HTML part', async () => {
      const alice = await withEmail()
      await patchPreferences(alice.token, { previews: true })
      const bob = await server.signIn()
      await bob.createThread({ participants: [bob.address, alice.address], initial_message: '<b>half price</b> & more' })
      await plannedDigest(alice.address)
      clock.advance(15 * MINUTE)
      const digest = await inbox.next((mail) => mail.to.includes(alice.email))
      expect(digest.text).toContain(`${bob.address}: 1 unread\n  <b>half price</b> & more\n`)
      expect(digest.html).toContain('<q>&#60;b&#62;half price&#60;/b&#62; &#38; more</q>')
      expect(digest.html).not.toContain('<b>half')
    })

    it('leaves out muted threads, declined requests and what was read before it was due', async () => {
      const alice = await withEmail()
      const [muted, declined, read, told] = await Promise.all([server.signIn(), server.signIn(), server.signIn(), server.signIn()])
      await alice.updateConsentSettings({ message_requests: true })
      const { thread: declinedThread } = await declined.createThread({ participants: [declined.address, alice.address] })
      await alice.declineThread(declinedThread.uuid)
      await declined.sendMessage(declinedThread.uuid, { content: 'declined' })
      const { thread: mutedThread } = await muted.createThread({ participants: [muted.address, alice.address] })
      expect((await raw(server, 'PUT', `/api/notifications/mutes/${mutedThread.uuid}/`, { token: alice.token, body: {} })).status).toBe(200)
      await muted.sendMessage(mutedThread.uuid, { content: 'muted' })
      const { thread: readThread } = await read.createThread({ participants: [read.address, alice.address], initial_message: 'read' })
      const { thread: toldThread } = await told.createThread({ participants: [told.address, alice.address], initial_message: 'told' })
      await plannedDigest(alice.address)
      await alice.markRead(readThread.uuid)
      clock.advance(15 * MINUTE)
      const digest = await inbox.next((mail) => mail.to.includes(alice.email))
      expect(digest.subject).toBe('1 unread message on VFX Chat')
      expect(digest.text).toContain(toldThread.uuid)
      expect(digest.text).not.toContain(mutedThread.uuid)
      expect(digest.text).not.toContain(declinedThread.uuid)
      expect(digest.text).not.toContain(readThread.uuid)
    })

    it('waits for the end of quiet hours that began after it was planned', async () => {
      const alice = await withEmail()
      const bob = await server.signIn()
      await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'late' })
      const due = Date.parse(await plannedDigest(alice.address))
      const quietEnd = due + 45 * MINUTE - (due % MINUTE)
      await patchPreferences(alice.token, { quiet_hours: { start: hhmm(due - MINUTE), end: hhmm(quietEnd), time_zone: 'UTC' } })

      clock.advance(15 * MINUTE)
      await expect.poll(() => plannedDigest(alice.address)).toBe(new Date(quietEnd).toISOString())
      expect(inbox.to(alice.email).filter((mail) => mail.subject.includes('unread'))).toEqual([])

      clock.advance(quietEnd - clock.now())
      expect((await inbox.next((mail) => mail.to.includes(alice.email))).subject).toBe('1 unread message on VFX Chat')
    })

    it('is planned for the end of the quiet hours a message came in', async () => {
      const alice = await withEmail()
      const now = clock.now()
      const quietEnd = now - (now % MINUTE) + 90 * MINUTE
      await patchPreferences(alice.token, { quiet_hours: { start: hhmm(now), end: hhmm(quietEnd), time_zone: 'UTC' } })
      const bob = await server.signIn()
      await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'at night' })
      expect(await plannedDigest(alice.address)).toBe(new Date(quietEnd).toISOString())
      clock.advance(quietEnd - now)
      expect((await inbox.next((mail) => mail.to.includes(alice.email))).subject).toBe('1 unread message on VFX Chat')
    })

    it('is never planned for an address not yet verified', async () => {
      const alice = await server.signIn()
      const email = `unverified.${engine}@example.com`
      await raw(server, 'PUT', EMAIL, { token: alice.token, body: { email } })
      await inbox.linkToken(email, `${PUBLIC_URL}${EMAIL}verify/`)
      const bob = await server.signIn()
      await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'anyone?' })
      await settled()
      const row = await withDatabase(server, (db) => db.selectFrom('email_addresses').select('digest_due_at').where('address', '=', alice.address).executeTakeFirstOrThrow())
      expect(row).toEqual({ digest_due_at: null })
    })

    it('goes once when two jobs for the same person come due together', async () => {
      const alice = await withEmail()
      const bob = await server.signIn()
      await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'once' })
      const due = await plannedDigest(alice.address)
      await withDatabase(server, (db) =>
        db
          .insertInto('jobs')
          .values({ queue: 'email', payload: JSON.stringify({ kind: 'digest', address: alice.address }), run_at: due, created_at: due })
          .execute(),
      )
      clock.advance(15 * MINUTE)
      await inbox.next((mail) => mail.to.includes(alice.email))
      await settled()
      expect(inbox.to(alice.email).filter((mail) => mail.subject.includes('unread'))).toHaveLength(1)
    })
  })

  describe('one-click unsubscribe (RFC 8058)', () => {
    it("turns e-mail off without sign-in; the link's GET only shows a button", async () => {
      const alice = await withEmail()
      const { bob, thread, unsubscribePath: path } = await digestOfOneMessage(alice)
      const preferences = () => raw(server, 'GET', '/api/notifications/preferences/', { token: alice.token })

      const page = await raw(server, 'GET', path)
      expect(page.text).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Turn off</button>')
      expect(((await preferences()).json as { email: boolean }).email).toBe(true)

      const wrong = await raw(server, 'POST', `${EMAIL}unsubscribe/?token=${randomUUID()}`, {
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect({ status: wrong.status, body: wrong.json }).toEqual({ status: 400, body: { token: ['This link is invalid or has expired.'] } })
      const oneClick = await raw(server, 'POST', path, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      expect({ status: oneClick.status, body: oneClick.json }).toEqual({ status: 200, body: { unsubscribed: true } })
      expect(((await preferences()).json as { email: boolean }).email).toBe(false)

      // Nothing more is planned for them.
      const before = await plannedDigest(alice.address)
      await bob.sendMessage(thread.uuid, { content: 'are you there?' })
      await settled()
      expect(await plannedDigest(alice.address)).toBe(before)
    })

    it('takes the multipart form some mail clients send', async () => {
      const { unsubscribePath: path } = await digestOfOneMessage(await withEmail())
      const form = new FormData()
      form.set('List-Unsubscribe', 'One-Click')
      const answer = await fetch(server.url + path, { method: 'POST', body: form })
      expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 200, body: { unsubscribed: true } })
    })
  })
})
