import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient, type Shop } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { failure } from '../helpers/contract.js'
import { bubbles, person, saveScreenshot, signInWithKey, storedSession, STRICT_CSP, threadItem, type Person } from './pages.js'

const XSS = '<img src=x onerror=alert(1)>'

let dir: string
let server: TestServer
let browser: Browser
let owner: Person
let buyer: Person
let ownerSigner: VfxSigner
let buyerAddress: string
let shop: Shop

beforeAll(async () => {
  await ensureWebBuilt()
  dir = mkdtempSync(join(tmpdir(), 'vfx-chat-browser-'))
  server = await startTestServer({}, { dir })
  browser = await launchBrowser()
  ownerSigner = VfxSigner.generate()
  shop = await (await server.signIn(ownerSigner)).createShop({ name: 'Nebula Prints', url: 'vfx://nebula-prints' })
  owner = await person(browser)
  buyer = await person(browser)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.destroy()
  rmSync(dir, { recursive: true, force: true })
})

describe('the web client, a buyer and a shop owner in two browsers', { timeout: 60_000 }, () => {
  it('serves the page under the strict CSP', async () => {
    const response = await owner.page.goto(`${server.url}/`)
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toBe(STRICT_CSP)
    await owner.page.getByRole('heading', { name: 'VFX Chat' }).waitFor()
  })

  it('signs the owner in with a pasted key, by keyboard alone', async () => {
    const { page } = owner
    // The wallet comes first; its button waits for an address, so the next stop is the key.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('wallet-address')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('private-key')
    await page.keyboard.type('not a key')
    await page.keyboard.press('Enter')
    await page.getByRole('alert').getByText('private key must be 64 hex characters').waitFor()
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.type(ownerSigner.privateKeyHex)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    expect(await storedSession(page)).toMatchObject({ address: ownerSigner.address })
    // Only the token is kept: the key is in no storage.
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))
    expect(storage).not.toContain(ownerSigner.privateKeyHex)
  })

  it('lets the buyer make a new key, shown once with a warning', async () => {
    const { page } = buyer
    await page.goto(`${server.url}/`)
    await page.getByRole('button', { name: 'Create a new key' }).click()
    await page.getByText('It is shown only once').waitFor()
    const key = await page.locator('#new-key').inputValue()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    const continueButton = page.getByRole('button', { name: 'Continue' })
    expect(await continueButton.isDisabled()).toBe(true)
    await page.getByLabel('I have saved my private key').check()
    await continueButton.click()
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    buyerAddress = (await storedSession(page))!.address
    expect(buyerAddress).toBe(VfxSigner.fromPrivateKey(key).address)
  })

  it('refuses an invalid address inline, then starts a chat about the shop', async () => {
    const { page } = buyer
    await page.getByRole('link', { name: 'New chat' }).click()
    const addresses = page.getByLabel('Addresses')
    // The test vector's address with its last character changed: a bad checksum.
    await addresses.fill('R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBX')
    await page.getByText('“R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBX” is not a valid VFX address.').waitFor()
    expect(await addresses.getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByRole('button', { name: 'Start chat' }).isDisabled()).toBe(true)

    await addresses.fill(ownerSigner.address)
    await page.locator('#participants-error').getByText('not a valid').waitFor({ state: 'detached' })
    expect(await addresses.getAttribute('aria-invalid')).toBeNull()
    await page.getByLabel('About a shop (optional)').fill('nebula')
    await page.getByRole('button', { name: /Nebula Prints/ }).click()
    await page.getByRole('button', { name: 'Start chat' }).click()
    await page.locator('#conversation-title').getByText(ownerSigner.address.slice(0, 6)).waitFor()
    expect(page.url()).toMatch(/#\/t\/[0-9a-f-]{36}$/)
  })

  it('delivers the buyer’s message live, with an unread badge, and read ticks once the owner opens it', async () => {
    await buyer.page.getByLabel('Message', { exact: true }).fill('Hello! Is the Aurora print still available?')
    await buyer.page.keyboard.press('Enter')
    await bubbles(buyer.page).filter({ hasText: 'Aurora' }).locator('[data-state="sent"]').waitFor()

    const item = threadItem(owner.page, 'Nebula Prints')
    await item.filter({ hasText: 'Is the Aurora print still available?' }).waitFor()
    expect((await item.locator('.unread-badge').textContent())?.trim()).toBe('1 unread')

    await item.locator('.thread-link').click()
    await bubbles(owner.page).filter({ hasText: 'Aurora' }).waitFor()
    await item.locator('.unread-badge').waitFor({ state: 'detached' })
    await bubbles(buyer.page).filter({ hasText: 'Aurora' }).locator('[data-state="read"]').waitFor()
  })

  it('shows the owner typing, and the reply (two lines, by Shift+Enter) live on the buyer’s side', async () => {
    const { page } = owner
    await page.getByLabel('Message', { exact: true }).click()
    await page.keyboard.type('Yes, it is.')
    await buyer.page.getByText(/is typing…/).waitFor()
    await page.keyboard.press('Shift+Enter')
    await page.keyboard.type('Make me an offer.')
    await page.keyboard.press('Enter')
    const reply = bubbles(buyer.page).filter({ hasText: 'Make me an offer.' })
    await reply.waitFor()
    expect(await reply.locator('.content').innerText()).toBe('Yes, it is.\nMake me an offer.')
    expect(await reply.getAttribute('class')).toContain('theirs')
    await buyer.page.getByText(/is typing…/).waitFor({ state: 'detached' })
  })

  it('shows markup in a message as text, and runs none of it', async () => {
    await buyer.page.getByLabel('Message', { exact: true }).fill(XSS)
    await buyer.page.keyboard.press('Enter')
    const shown = bubbles(owner.page).filter({ hasText: XSS })
    await shown.waitFor()
    expect(await shown.locator('.content').textContent()).toBe(XSS)
    expect(await owner.page.locator('.messages img').count()).toBe(0)
    expect(await threadItem(owner.page, 'Nebula Prints').locator('.preview').textContent()).toBe(XSS)
    expect([...owner.dialogs, ...buyer.dialogs]).toEqual([])
  })

  it('keeps the session and the open chat across a reload', async () => {
    const { page } = buyer
    const url = page.url()
    await page.reload()
    await bubbles(page).filter({ hasText: 'Make me an offer.' }).waitFor()
    expect(page.url()).toBe(url)
    expect((await storedSession(page))?.address).toBe(buyerAddress)
  })

  it('shows a failed send at once, and a retry sends it exactly once', async () => {
    const { page } = buyer
    await page.route('**/api/chat/*/message/', (route) => route.abort(), { times: 1 })
    await page.getByLabel('Message', { exact: true }).fill('Would 40 VFX do?')
    await page.keyboard.press('Enter')
    const failed = page.locator('.bubble-row.failed').filter({ hasText: 'Would 40 VFX do?' })
    await failed.getByText(/Not sent/).waitFor()
    await failed.getByRole('button', { name: 'Retry' }).click()
    await bubbles(page).filter({ hasText: 'Would 40 VFX do?' }).locator('[data-state="sent"], [data-state="read"]').waitFor()
    await bubbles(owner.page).filter({ hasText: 'Would 40 VFX do?' }).waitFor()
    expect(await bubbles(owner.page).filter({ hasText: 'Would 40 VFX do?' }).count()).toBe(1)
  })

  it('sends a picture alone, by the attach button; the owner sees its thumbnail live, and “Photo” in the inbox', async () => {
    const picture = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).png().toBuffer()
    const { page } = buyer
    const send = page.getByRole('button', { name: 'Send' })
    expect(await send.isDisabled()).toBe(true)
    const chooser = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Attach files' }).press('Enter')
    await (await chooser).setFiles({ name: 'aurora-print.png', mimeType: 'image/png', buffer: picture })
    const upload = page.locator('.upload').filter({ hasText: 'aurora-print.png' })
    await upload.locator('.upload-thumbnail').waitFor()
    expect(await send.isDisabled()).toBe(false)
    await send.click()
    await upload.waitFor({ state: 'detached' })
    await bubbles(page).filter({ has: page.getByRole('img', { name: 'aurora-print.png' }) }).locator('[data-state="sent"], [data-state="read"]').waitFor()

    const thumbnail = bubbles(owner.page).getByRole('img', { name: 'aurora-print.png' })
    await thumbnail.waitFor()
    // Loaded through its signed URL, with no token: the page sends none with an <img>.
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0)
    const link = owner.page.getByRole('link', { name: 'aurora-print.png' })
    expect(await link.getAttribute('href')).toMatch(/^\/api\/attachments\/[^/]+\/\?/)
    await threadItem(owner.page, 'Nebula Prints').locator('.preview').getByText('Photo', { exact: true }).waitFor()

    await saveScreenshot(owner.page, 'attachments.png')
  })

  it('counts characters near the limit and refuses to send over it', async () => {
    const { page } = buyer
    const composer = page.getByLabel('Message', { exact: true })
    await composer.fill('a'.repeat(3600))
    expect(await page.locator('.counter').textContent()).toBe('3600 / 4000')
    await composer.fill('😀'.repeat(4001)) // code points, not UTF-16 units
    expect(await page.locator('.counter').textContent()).toBe('4001 / 4000')
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)
    await composer.fill('')
  })

  it('lets the owner block the buyer: the chat leaves the inbox, the buyer is refused, and unblocking brings it back', async () => {
    const { page } = owner
    // By keyboard: the header's Block asks first, with Cancel focused.
    await page.locator('.conversation-header').getByRole('button', { name: 'Block' }).press('Enter')
    await page.getByRole('group', { name: /^Block / }).getByRole('button', { name: 'Cancel' }).waitFor()
    // Focus moves once the confirmation has rendered: wait for it rather than race it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await threadItem(page, 'Nebula Prints').waitFor({ state: 'detached' })
    expect(page.url()).toMatch(/#\/$/)

    await buyer.page.getByLabel('Message', { exact: true }).fill('Still there?')
    await buyer.page.keyboard.press('Enter')
    const refused = buyer.page.locator('.bubble-row.failed').filter({ hasText: 'Still there?' })
    await refused.getByText('Not sent: You cannot message this conversation: a participant has blocked you.').waitFor()
    await buyer.page.locator('.composer-notice').getByText('You cannot message this conversation: a participant has blocked you.').waitFor()

    await page.getByRole('link', { name: 'Privacy', exact: true }).click()
    await page.getByRole('button', { name: `Unblock ${buyerAddress}` }).click()
    await page.getByText('You have blocked nobody.').waitFor()
    await threadItem(page, 'Nebula Prints').waitFor()
    await refused.getByRole('button', { name: 'Retry' }).click()
    await threadItem(page, 'Nebula Prints').filter({ hasText: 'Still there?' }).waitFor()
    await buyer.page.locator('.composer-notice').getByText('You cannot message this conversation').waitFor({ state: 'detached' })
  })

  it('loads older messages by cursor', async () => {
    const other = await server.signIn()
    const { thread } = await other.createThread({ participants: [other.address, ownerSigner.address] })
    for (let i = 1; i <= 120; i++) await other.sendMessage(thread.uuid, { content: `Offer number ${i}` })
    const { page } = owner
    await threadItem(page, 'Offer number 120').locator('.thread-link').click()
    await bubbles(page).filter({ hasText: 'Offer number 120' }).waitFor()
    expect(await bubbles(page).count()).toBe(100)
    await page.getByRole('button', { name: 'Load older messages' }).click()
    await page.locator('.message-list .content', { hasText: /^Offer number 1$/ }).waitFor()
    expect(await bubbles(page).count()).toBe(120)
    await page.getByRole('button', { name: 'Load older messages' }).waitFor({ state: 'detached' })
    // The open thread is marked read on the server, not just in the page.
    const ownerApi = await server.signIn(ownerSigner)
    await expect
      .poll(async () => (await ownerApi.listThreads()).results.find((t) => t.uuid === thread.uuid)?.unread_count, { timeout: 10_000 })
      .toBe(0)
  })

  it('shows a banner while offline, then resumes without losing a message', async () => {
    const port = new URL(server.url).port
    await server.close()
    await buyer.page.getByText('Connection lost. Reconnecting…').waitFor()
    server = await startTestServer({ PORT: port }, { dir })
    // Sent while the buyer's page is still disconnected: the resume must bring it.
    const ownerApi = await server.signIn(ownerSigner)
    const { results } = await ownerApi.listThreads({ shop_id: shop.id })
    await ownerApi.sendMessage(results[0]!.uuid, { content: 'Sent while you were away' })
    await bubbles(buyer.page).filter({ hasText: 'Sent while you were away' }).waitFor({ timeout: 20_000 })
    for (const { page } of [buyer, owner]) await page.getByText('Connection lost. Reconnecting…').waitFor({ state: 'hidden' })
    await threadItem(owner.page, 'Nebula Prints').filter({ hasText: 'Sent while you were away' }).waitFor()
  })

  it('saves screenshots of the inbox and a conversation', async () => {
    const { page } = owner
    await threadItem(page, 'Nebula Prints').locator('.thread-link').click()
    await bubbles(page).filter({ hasText: 'Sent while you were away' }).waitFor()
    await saveScreenshot(page, 'conversation.png')

    const stranger = await server.signIn()
    await stranger.createThread({ participants: [stranger.address, ownerSigner.address], initial_message: 'Do you ship to Lisbon?' })
    await threadItem(page, 'Do you ship to Lisbon?').locator('.unread-badge').waitFor()
    await expect.poll(() => page.title()).toBe('(1) VFX Chat')

    const phone = await browser.newContext({ viewport: { width: 360, height: 720 }, locale: 'en-US', timezoneId: 'UTC' })
    const small = await phone.newPage()
    await signInWithKey(small, server.url, ownerSigner.privateKeyHex)
    await threadItem(small, 'Nebula Prints').waitFor()
    await saveScreenshot(small, 'inbox.png')
    // Nothing wider than the screen.
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await phone.close()
  })

  it('signs out by revoking the token', async () => {
    const { page } = buyer
    const { token } = (await storedSession(page))!
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in with key' }).waitFor()
    expect(await storedSession(page)).toBeNull()
    expect((await failure(new VfxChatClient(server.url, token).listThreads())).status).toBe(401)
  })

  it('returns to sign-in, saying why, when the token is revoked elsewhere', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signInWithKey(page, server.url, ownerSigner.privateKeyHex)
    const { token } = (await storedSession(page))!
    await new VfxChatClient(server.url, token).signOut()
    await page.getByText('Your session has ended. Sign in again.').waitFor()
    expect(await storedSession(page)).toBeNull()
    await context.close()
  })

  it('never asked another origin for anything, and broke no CSP rule', () => {
    const foreign = [...owner.requests, ...buyer.requests].filter((url) => !url.startsWith(`${server.url}/`))
    expect(foreign).toEqual([])
    expect([...owner.problems, ...buyer.problems]).toEqual([])
  })
})
