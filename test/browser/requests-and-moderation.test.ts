import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { failure } from '../helpers/contract.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { bubbles, person, saveScreenshot, signInWithKey, threadItem, type Person } from './pages.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

let server: TestServer
let browser: Browser
let operatorSigner: VfxSigner
let member: Person
let memberApi: Client
let operator: Person
/** The thread the member reports: opened as a request, accepted by a reply. */
let troll: Client
let uuid: string
/** Its first message, which the operator removes. */
let abuse: number

beforeAll(async () => {
  await ensureWebBuilt()
  operatorSigner = VfxSigner.generate()
  server = await startTestServer({ ADMIN_ADDRESSES: operatorSigner.address, MESSAGE_REQUESTS: 'on' })
  browser = await launchBrowser()
  memberApi = await server.signIn()
  member = await person(browser)
  operator = await person(browser)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.destroy()
})

function foldersOf(page: Person['page']) {
  return { chats: page.getByRole('button', { name: 'Chats', exact: true }), requests: page.getByRole('button', { name: /^Requests/ }) }
}

describe('a member answers message requests from the banner', { timeout: 30_000 }, () => {
  it('shows no moderation to a member: the moderation API refuses them', async () => {
    const probe = member.page.waitForResponse((response) => response.url().includes('/api/moderation/reports/'))
    await signInWithKey(member.page, server.url, memberApi.signer.privateKeyHex)
    expect((await probe).status()).toBe(403)
    expect(await member.page.getByRole('link', { name: 'Moderation' }).count()).toBe(0)
  })

  it('puts a stranger’s new chat under Requests, counted, and not among the chats', async () => {
    const { page } = member
    const stranger = await server.signIn()
    await stranger.createThread({ participants: [stranger.address, memberApi.address], initial_message: 'Hi, is the print for sale?' })
    const { chats, requests } = foldersOf(page)
    await requests.getByText('1 waiting').waitFor()
    expect(await chats.getAttribute('aria-pressed')).toBe('true')
    expect(await threadItem(page, 'is the print for sale?').count()).toBe(0)
    await requests.click()
    await threadItem(page, 'is the print for sale?').locator('.thread-link').click()
    const banner = page.getByRole('region', { name: /wants to message you/ })
    await banner.getByText(stranger.address.slice(0, 6)).waitFor()
    await saveScreenshot(page, 'requests.png')
  })

  it('declines it: it leaves the requests, and waits among the declined', async () => {
    const { page } = member
    const uuid = page.url().split('/t/')[1]!
    await page.getByRole('region', { name: /wants to message you/ }).getByRole('button', { name: 'Decline' }).click()
    await threadItem(page, 'is the print for sale?').waitFor({ state: 'detached' })
    expect(page.url()).toMatch(/#\/$/)
    await page.getByText('No message requests.').waitFor()
    expect(await foldersOf(page).requests.textContent()).toBe('Requests')
    expect((await memberApi.listThreads({ consent: 'declined' })).results.map((thread) => thread.uuid)).toEqual([uuid])
  })

  it('blocks another stranger from the banner: their next message is refused', async () => {
    const { page } = member
    const spammer = await server.signIn()
    const { thread } = await spammer.createThread({ participants: [spammer.address, memberApi.address], initial_message: 'Cheap VFX, click here' })
    await threadItem(page, 'Cheap VFX').locator('.thread-link').click()
    await page.getByRole('region', { name: /wants to message you/ }).getByRole('button', { name: 'Block' }).click()
    await page.getByRole('group', { name: /^Block / }).getByRole('button', { name: 'Yes, block' }).click()
    await threadItem(page, 'Cheap VFX').waitFor({ state: 'detached' })
    const refused = await failure(spammer.sendMessage(thread.uuid, { content: 'Are you there?' }))
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ detail: 'You cannot message this conversation: a participant has blocked you.' })
  })

  it('accepts a request by replying: it moves to the chats', async () => {
    const { page } = member
    troll = await server.signIn()
    const { thread } = await troll.createThread({ participants: [troll.address, memberApi.address], initial_message: 'Pay me or else.' })
    uuid = thread.uuid
    abuse = thread.messages[0]!.id
    await threadItem(page, 'Pay me or else.').locator('.thread-link').click()
    const banner = page.getByRole('region', { name: /wants to message you/ })
    await banner.waitFor()
    await page.getByLabel('Message', { exact: true }).fill('Who are you?')
    await page.keyboard.press('Enter')
    await banner.waitFor({ state: 'detached' })
    await page.getByText('No message requests.').waitFor()
    await foldersOf(page).chats.click()
    await threadItem(page, 'Who are you?').waitFor()
  })
})

describe('an operator moderates a report in the browser', { timeout: 30_000 }, () => {
  let reportId: number

  it('lets the member report the chat from its header', async () => {
    const { page } = member
    await page.locator('.conversation-header').getByRole('button', { name: 'Report', exact: true }).click()
    const panel = page.getByRole('group', { name: /^Report/ })
    await panel.getByLabel('What is wrong').fill('Threats')
    await panel.getByRole('button', { name: 'Send report' }).click()
    await panel.getByRole('status').getByText('Reported.').waitFor()
    await panel.getByRole('button', { name: 'Close' }).click()
  })

  it('lists the open report for the operator and shows its snapshot, and nothing else of the thread', async () => {
    await troll.sendMessage(uuid, { content: 'Sent after the report' })
    await bubbles(member.page).filter({ hasText: 'Sent after the report' }).waitFor()

    const { page } = operator
    await signInWithKey(page, server.url, operatorSigner.privateKeyHex)
    await page.getByRole('link', { name: 'Moderation' }).click()
    const item = page.getByRole('list', { name: 'Reports' }).getByRole('listitem').filter({ hasText: 'Threats' })
    const link = item.getByRole('link', { name: /^Report #/ })
    reportId = Number(/reports\/(\d+)$/.exec((await link.getAttribute('href'))!)![1])
    await link.click()
    const snapshot = page.getByRole('list', { name: 'Reported messages' })
    await snapshot.getByText('Pay me or else.').waitFor()
    expect(await snapshot.getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('Pay me or else.'), expect.stringContaining('Who are you?')])
    expect(await page.getByText('Sent after the report').count()).toBe(0)
  })

  it('removes the message for everyone: the member sees the moderators’ tombstone live', async () => {
    const { page } = operator
    const message = page.getByRole('list', { name: 'Reported messages' }).getByRole('listitem').filter({ hasText: 'Pay me or else.' })
    await message.getByRole('button', { name: 'Remove for everyone' }).click()
    await message.getByLabel('Why remove it').fill('Threatening a member')
    await message.getByRole('button', { name: 'Remove message' }).click()
    await page.getByRole('status').getByText(`Message #${abuse} removed for everyone.`).waitFor()
    await message.getByText('Removed for everyone').waitFor()

    const tombstone = bubbles(member.page).filter({ hasText: 'Message removed by moderators' })
    await tombstone.waitFor()
    expect(await bubbles(member.page).filter({ hasText: 'Pay me or else.' }).count()).toBe(0)
    expect(await tombstone.getAttribute('data-id')).toBe(String(abuse))
  })

  it('suspends the sender from the report: their token stops working at once', async () => {
    const { page } = operator
    const message = page.getByRole('list', { name: 'Reported messages' }).getByRole('listitem').first()
    await message.getByRole('button', { name: 'Suspend sender' }).click()
    await message.getByLabel('Reason').fill('Threats, report #' + reportId)
    await message.getByRole('button', { name: 'Suspend', exact: true }).click()
    await page.getByRole('status').getByText('is suspended.').waitFor()
    expect((await failure(troll.listThreads())).status).toBe(401)
  })

  it('resolves the report; resolving says who and what', async () => {
    const { page } = operator
    await page.getByLabel('Resolution').fill('Message removed, sender suspended')
    await page.getByRole('button', { name: 'Resolve report' }).click()
    await page.getByRole('status').getByText('Report resolved.').waitFor()
    expect(await page.locator('.report-heading .status-badge').textContent()).toBe('Resolved')
    await page.locator('.facts').getByText('Message removed, sender suspended').waitFor()
    expect(await page.getByRole('button', { name: 'Resolve report' }).count()).toBe(0)
    await saveScreenshot(page, 'moderation.png')

    await page.getByRole('link', { name: 'Reports', exact: true }).click()
    await page.getByText('No open reports.').waitFor()
    await page.getByText('Resolved', { exact: true }).click()
    await page.getByRole('link', { name: `Report #${reportId}` }).waitFor()
  })

  it('shows the API’s refusal in the suspension form, and lifts a suspension', async () => {
    const { page } = operator
    await page.getByRole('link', { name: 'Suspensions' }).click()
    const form = page.getByRole('form', { name: 'Suspend' })
    await form.getByLabel('Address').fill(operatorSigner.address)
    await form.getByLabel('Reason').fill('Testing')
    await form.getByRole('button', { name: 'Suspend' }).click()
    await form.getByRole('alert').getByText('An operator cannot be suspended.').waitFor()

    await page.getByRole('button', { name: `Lift the suspension of ${troll.address}` }).click()
    await page.getByText('Nobody is suspended.').waitFor()
    await troll.signIn(troll.signer)
  })

  it('keeps every action in the audit log, newest first', async () => {
    const { page } = operator
    await page.getByRole('link', { name: 'Audit log' }).click()
    const rows = page.locator('table.audit tbody tr')
    await rows.first().waitFor()
    expect(await rows.locator('td:nth-child(3)').allTextContents()).toEqual([
      'Lifted a suspension',
      'Resolved a report',
      'Suspended',
      'Removed a message',
    ])
    await rows.filter({ hasText: 'Resolved a report' }).getByText('Message removed, sender suspended').waitFor()
    await rows.filter({ hasText: 'Removed a message' }).getByText('Threatening a member').waitFor()
  })

  it('broke no CSP rule and threw nothing', () => {
    expect([...member.problems, ...operator.problems, ...member.dialogs, ...operator.dialogs]).toEqual([])
  })
})
