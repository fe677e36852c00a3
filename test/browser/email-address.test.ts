import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { PUBLIC_URL, SmtpInbox } from '../helpers/smtp-inbox.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { person, signInWithKey, type Person } from './pages.js'

let inbox: SmtpInbox
let server: TestServer
let browser: Browser
let carol: Person
const signer = VfxSigner.generate()

beforeAll(async () => {
  await ensureWebBuilt()
  inbox = await SmtpInbox.start()
  server = await startTestServer({ SMTP_URL: inbox.url, PUBLIC_URL })
  browser = await launchBrowser()
  carol = await person(browser)
  await signInWithKey(carol.page, server.url, signer.privateKeyHex)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.destroy()
  await inbox?.close()
})

it('binds an address on the Notifications page; the mailed link, opened and confirmed, verifies it', async () => {
  const { page } = carol
  await page.getByRole('link', { name: 'Notifications' }).click()
  await page.getByText('No address yet').waitFor()
  await page.getByLabel('E-mail address').fill('carol@example.com')
  await page.getByRole('button', { name: 'Send the link' }).click()
  await page.getByRole('status').getByText('We sent a link to carol@example.com').waitFor()
  await page.getByText('once you open the link we sent there').waitFor()

  const mail = await inbox.next((received) => received.to.includes('carol@example.com'))
  const link = mail.text.match(/https:\/\/chat\.example(\/api\/notifications\/email\/verify\/\?token=[\w-]+)/)
  expect(link).not.toBeNull()
  // The link as the mail gives it, on this test server's origin; opening it alone verifies nothing.
  const linkPage = await carol.context.newPage()
  await linkPage.goto(`${server.url}${link![1]}`)
  await linkPage.getByRole('heading', { name: 'Confirm your e-mail address' }).waitFor()
  expect(await (await server.signIn(signer)).emailAddress()).toEqual({ email: 'carol@example.com', verified: false })
  await linkPage.getByRole('button', { name: 'Confirm' }).click()
  await expect.poll(async () => (await server.signIn(signer)).emailAddress(), { timeout: 10_000 }).toEqual({ email: 'carol@example.com', verified: true })
  await linkPage.close()

  await page.reload()
  await page.getByRole('link', { name: 'Notifications' }).click()
  await page.getByText('Digests go to').waitFor()
  expect(await page.getByText('once you open the link').count()).toBe(0)
  await page.getByRole('button', { name: 'Remove the address' }).click()
  await page.getByText('No address yet').waitFor()
  expect(carol.problems).toEqual([])
})
