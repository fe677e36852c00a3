import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { failure } from '../helpers/contract.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { bubbles, person, saveScreenshot, signInWithKey, type Person } from './pages.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

let server: TestServer
let browser: Browser
let operatorSigner: VfxSigner
let member: Person
let memberApi: Client
let operator: Person

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

describe('an operator moderates a report in the browser', { timeout: 30_000 }, () => {
  let troll: Client
  let uuid: string
  let report: Report
  let abuse: number

  it('shows no moderation to a member: the moderation API refuses them', async () => {
    troll = await server.signIn()
    const { thread } = await troll.createThread({ participants: [troll.address, memberApi.address], initial_message: 'Pay me or else.' })
    uuid = thread.uuid
    abuse = thread.messages[0]!.id
    report = await memberApi.reportThread(uuid, { reason: 'Threats' })
    await troll.sendMessage(uuid, { content: 'Sent after the report' })

    const probe = member.page.waitForResponse((response) => response.url().includes('/api/moderation/reports/'))
    await signInWithKey(member.page, server.url, memberApi.signer.privateKeyHex)
    expect((await probe).status()).toBe(403)
    expect(await member.page.getByRole('link', { name: 'Moderation' }).count()).toBe(0)
    await member.page.goto(`${server.url}/#/t/${uuid}`)
    await bubbles(member.page).filter({ hasText: 'Pay me or else.' }).waitFor()
  })

  it('lists the open report for the operator and shows its snapshot, and nothing else of the thread', async () => {
    const { page } = operator
    await signInWithKey(page, server.url, operatorSigner.privateKeyHex)
    await page.getByRole('link', { name: 'Moderation' }).click()
    const item = page.getByRole('list', { name: 'Reports' }).getByRole('listitem').filter({ hasText: `Report #${report.id}` })
    await item.getByText('Threats').waitFor()
    await item.getByRole('link', { name: `Report #${report.id}` }).click()
    const snapshot = page.getByRole('list', { name: 'Reported messages' })
    await snapshot.getByText('Pay me or else.').waitFor()
    expect(await snapshot.getByRole('listitem').count()).toBe(1)
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
    await message.getByLabel('Reason').fill('Threats, report #' + report.id)
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
    await page.getByRole('link', { name: `Report #${report.id}` }).waitFor()
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
