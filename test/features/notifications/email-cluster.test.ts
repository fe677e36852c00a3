import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw, withDatabase } from '../../helpers/contract.js'
import { startCluster, type TestCluster } from '../../helpers/cluster.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { PUBLIC_URL, SmtpInbox } from '../../helpers/smtp-inbox.js'

// Two nodes on one PostgreSQL schema, both running the e-mail worker: a digest goes once.
const clock = new ManualClock()
let cluster: TestCluster
let inbox: SmtpInbox

beforeAll(async () => {
  inbox = await SmtpInbox.start()
  cluster = await startCluster({ SMTP_URL: inbox.url, PUBLIC_URL }, { clock })
})
afterAll(async () => {
  await cluster.destroy()
  await inbox.close()
})

describe('e-mail digests in a cluster', () => {
  it('go once from one of the nodes, however many jobs for the person come due on both', async () => {
    const { nodeA, nodeB } = cluster
    const alice = await nodeA.signIn()
    const email = 'cluster@example.com'
    await raw(nodeA, 'PUT', '/api/notifications/email/', { token: alice.token, body: { email } })
    const { token } = await inbox.linkToken(email, `${PUBLIC_URL}/api/notifications/email/verify/`)
    expect((await raw(nodeB, 'POST', `/api/notifications/email/verify/?token=${token}`)).status).toBe(200)

    const bob = await nodeB.signIn()
    await bob.createThread({ participants: [bob.address, alice.address], initial_message: 'one digest, please' })
    const planned = () => withDatabase(nodeA, (db) => db.selectFrom('jobs').select('run_at').where('queue', '=', 'email').execute())
    await expect.poll(async () => (await planned()).length).toBe(1)
    const due = (await planned())[0]!.run_at
    // What a lease running out on a busy node, or a fan-out repeated after a crash, leaves behind.
    await withDatabase(nodeA, (db) =>
      db
        .insertInto('jobs')
        .values(Array.from({ length: 5 }, () => ({ queue: 'email', payload: JSON.stringify({ kind: 'digest', address: alice.address }), run_at: due, created_at: due })))
        .execute(),
    )

    clock.advance(15 * 60_000)
    expect((await inbox.next((mail) => mail.to.includes(email))).subject).toBe('1 unread message on VFX Chat')
    await expect.poll(async () => (await planned()).length).toBe(0)
    expect(inbox.to(email).filter((mail) => mail.subject.includes('unread'))).toHaveLength(1)
  })
})
