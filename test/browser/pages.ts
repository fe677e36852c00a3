import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'

/** The page's CSP as the server sends it: nothing inline, nothing from another origin. */
export const STRICT_CSP =
  "default-src 'self';script-src 'self';style-src 'self';connect-src 'self';img-src 'self' data:;object-src 'none';base-uri 'none';frame-ancestors 'none'"

/** A person's page in its own browser context, and what it did that a test must know about. */
export interface Person {
  context: BrowserContext
  page: Page
  dialogs: string[]
  /** Uncaught exceptions and CSP violations. */
  problems: string[]
  requests: string[]
}

export async function person(browser: Browser): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1180, height: 740 }, locale: 'en-US', timezoneId: 'UTC' })
  const page = await context.newPage()
  const someone: Person = { context, page, dialogs: [], problems: [], requests: [] }
  page.on('dialog', (dialog) => {
    someone.dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => someone.problems.push(String(error)))
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) someone.problems.push(message.text())
  })
  page.on('request', (request) => someone.requests.push(request.url()))
  return someone
}

/** Signs the page in with a pasted private key, and waits for the inbox. */
export async function signInWithKey(page: Page, url: string, privateKeyHex: string): Promise<void> {
  await page.goto(`${url}/`)
  await page.getByLabel('Private key', { exact: true }).fill(privateKeyHex)
  await page.getByRole('button', { name: 'Sign in with key' }).click()
  await page.getByRole('heading', { name: 'Chats' }).waitFor()
}

/** The page's session as the client keeps it. */
export function storedSession(page: Page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('vfx-chat.session') ?? 'null') as { token: string; address: string } | null)
}

export function threadItem(page: Page, text: string) {
  return page.locator('.thread-item').filter({ hasText: text })
}

export function bubbles(page: Page) {
  return page.locator('.message-list .bubble-row')
}

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))

/** Saves docs/screenshots/<name>, with the pointer out of the way (no hover states). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(SCREENSHOTS, name) })
}
