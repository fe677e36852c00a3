import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { person, storedSession, type Person } from './pages.js'

const WALLET = 'http://localhost:7292'

let server: TestServer
let browser: Browser
const clock = new ManualClock(Date.now())

beforeAll(async () => {
  await ensureWebBuilt()
  server = await startTestServer({}, { clock })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.destroy()
})

/** Everything each request of the page carried: URL, headers and body. */
function recordTraffic(page: Page): string[] {
  const traffic: string[] = []
  page.on('request', (request) => traffic.push(`${request.url()} ${JSON.stringify(request.headers())} ${request.postData() ?? ''}`))
  return traffic
}

function walletSection(page: Page) {
  return page.getByRole('region', { name: 'Sign in with your VFX wallet' })
}

/** Asks the page for a challenge for `address`; returns the text it shows to sign. */
async function askForChallenge(page: Page, address: string): Promise<string> {
  await page.getByLabel('Your VFX address').fill(address)
  await page.getByRole('button', { name: 'Get a challenge' }).click()
  const text = page.getByLabel('Text to sign')
  await text.waitFor()
  return text.inputValue()
}

/** What the wallet's link points at: its origin, and the path segments after CreateSignature. */
async function walletLink(page: Page) {
  const link = walletSection(page).getByRole('link', { name: /Open my wallet to sign/ })
  const href = (await link.getAttribute('href'))!
  const url = new URL(href)
  return { link, href, origin: url.origin, segments: url.pathname.split('/') }
}

async function pasteSignatureAndSignIn(page: Page, signature: string): Promise<void> {
  await page.getByLabel('Signature').fill(signature)
  await walletSection(page).getByRole('button', { name: 'Sign in', exact: true }).click()
}

describe('sign-in through the VFX wallet (web client)', { timeout: 60_000 }, () => {
  let someone: Person

  beforeAll(async () => {
    someone = await person(browser)
  })

  afterAll(() => someone.context.close())

  it('offers the wallet as the first way in, the key as the second', async () => {
    const { page } = someone
    await page.goto(`${server.url}/`)
    const ways = await page.locator('main section h2').allTextContents()
    expect(ways).toEqual(['Sign in with your VFX wallet', 'Use a private key instead'])
  })

  it('refuses a bad address with the API’s message', async () => {
    const { page } = someone
    await page.getByLabel('Your VFX address').fill('R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBX')
    await page.getByRole('button', { name: 'Get a challenge' }).click()
    await walletSection(page).getByRole('alert').getByText('Enter a valid VFX mainnet address.').waitFor()
    expect(await page.getByLabel('Your VFX address').getAttribute('aria-invalid')).toBe('true')
  })

  it('links to the wallet’s signing URL for the challenge it shows, and signs in with the pasted answer; no key touches the page', async () => {
    const { page } = someone
    const traffic = recordTraffic(page)
    const wallet = VfxSigner.generate()
    const message = await askForChallenge(page, wallet.address)
    expect(message).toContain(`Address: ${wallet.address}`)

    const { link, href, origin, segments } = await walletLink(page)
    expect(href).toBe(`${WALLET}/api/V1/CreateSignature/${encodeURIComponent(message)}/${encodeURIComponent(wallet.address)}`)
    expect(origin).toBe(WALLET)
    // '', api, V1, CreateSignature, {message}, {address}: the message is one path segment.
    expect(segments).toHaveLength(6)
    expect(segments.slice(0, 4)).toEqual(['', 'api', 'V1', 'CreateSignature'])
    expect(decodeURIComponent(segments[4]!)).toBe(message)
    expect(decodeURIComponent(segments[5]!)).toBe(wallet.address)
    expect(await link.getAttribute('target')).toBe('_blank')
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer')

    // Another key's signature is refused with the API's detail.
    await pasteSignatureAndSignIn(page, VfxSigner.generate().sign(message))
    await walletSection(page).getByRole('alert').getByText('Invalid signature.').waitFor()

    // The test plays the wallet: it signs the text the link carries, as the wallet would.
    await pasteSignatureAndSignIn(page, wallet.sign(decodeURIComponent(segments[4]!)))
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    expect(await storedSession(page)).toMatchObject({ address: wallet.address })

    expect(traffic.length).toBeGreaterThan(0)
    expect(traffic.filter((request) => request.includes(wallet.privateKeyHex))).toEqual([])
    // The page never calls the wallet itself: the person opens the link.
    expect(someone.requests.filter((url) => url.startsWith(WALLET))).toEqual([])
    const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))
    expect(storage).not.toContain(wallet.privateKeyHex)
    expect(someone.problems).toEqual([])
  })
})

describe('the wallet step’s edge cases', { timeout: 60_000 }, () => {
  let someone: Person
  const wallet = VfxSigner.generate()

  beforeAll(async () => {
    someone = await person(browser)
    await someone.page.goto(`${server.url}/`)
  })

  afterAll(() => someone.context.close())

  it('builds the link on an edited wallet URL, and offers none for a URL that is not http(s)', async () => {
    const { page } = someone
    const message = await askForChallenge(page, wallet.address)
    const walletUrl = page.getByLabel('Your wallet’s local API')
    expect(await walletUrl.inputValue()).toBe(WALLET)

    await walletUrl.fill('http://127.0.0.1:7393/')
    const { href } = await walletLink(page)
    expect(href).toBe(`http://127.0.0.1:7393/api/V1/CreateSignature/${encodeURIComponent(message)}/${encodeURIComponent(wallet.address)}`)

    await walletUrl.fill('javascript:alert(1)')
    await page.getByText(`Enter the wallet’s web address, like ${WALLET}.`).waitFor()
    expect(await walletSection(page).getByRole('link').count()).toBe(0)
    expect(await walletUrl.getAttribute('aria-invalid')).toBe('true')
  })

  it('says an expired challenge is expired, and signs in with a fresh one', async () => {
    const { page } = someone
    const stale = await page.getByLabel('Text to sign').inputValue()
    clock.advance(6 * 60_000)
    await pasteSignatureAndSignIn(page, wallet.sign(stale))
    await walletSection(page).getByRole('alert').getByText(/has expired/).waitFor()

    await page.getByRole('button', { name: 'New challenge' }).click()
    await expect.poll(() => page.getByLabel('Text to sign').inputValue()).not.toBe(stale)
    const fresh = await page.getByLabel('Text to sign').inputValue()
    expect(await page.getByLabel('Signature').inputValue()).toBe('')
    // Some wallet versions answer a JSON string; the quotes are not part of the signature.
    await pasteSignatureAndSignIn(page, JSON.stringify(wallet.sign(fresh)))
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    expect(await storedSession(page)).toMatchObject({ address: wallet.address })
  })
})
