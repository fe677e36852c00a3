import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../src/sdk/signer.js'
import { launchBrowser } from '../helpers/browser.js'
import { PushEndpoint } from '../helpers/push-endpoint.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { ensureWebBuilt } from '../helpers/web-build.js'
import { person, saveScreenshot, signInWithKey, type Person } from './pages.js'

// Headless Chromium has no push service, so the browser cannot subscribe for real: the server
// pushes to the test's push service (which decrypts what it got), and the test hands that very
// payload to Bob's service worker through the DevTools protocol, as his push service would.

let server: TestServer
let service: PushEndpoint
let browser: Browser
let alice: Person
let bob: Person
const aliceSigner = VfxSigner.generate()
const bobSigner = VfxSigner.generate()
let uuid: string

beforeAll(async () => {
  await ensureWebBuilt()
  service = await PushEndpoint.start()
  server = await startTestServer({ PUSH_ALLOW_PRIVATE: '1' })
  browser = await launchBrowser()
  ;[alice, bob] = await Promise.all([person(browser), person(browser)])
  await bob.context.grantPermissions(['notifications'], { origin: server.url })
  const aliceApi = await server.signIn(aliceSigner)
  uuid = (await aliceApi.createThread({ participants: [aliceSigner.address, bobSigner.address] })).thread.uuid
  await signInWithKey(alice.page, server.url, aliceSigner.privateKeyHex)
  await alice.page.goto(`${server.url}/#/t/${uuid}`)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.destroy()
  await service?.close()
})

/** What Bob's service worker shows now: each notification's title, body and thread. */
function shownNotifications(page: Page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready
    return (await registration.getNotifications()).map((shown) => ({ title: shown.title, body: shown.body, thread: (shown.data as { thread: string }).thread }))
  })
}

async function clearNotifications(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (const shown of await (await navigator.serviceWorker.ready).getNotifications()) shown.close()
  })
}

async function send(content: string): Promise<void> {
  await alice.page.getByLabel('Message', { exact: true }).fill(content)
  await alice.page.keyboard.press('Enter')
}

describe('notifications in the web client', { timeout: 60_000 }, () => {
  it('registers the service worker once signed in', async () => {
    await signInWithKey(bob.page, server.url, bobSigner.privateKeyHex)
    const scope = await bob.page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    expect(scope).toBe(`${server.url}/`)
  })

  it("shows the server's push, decrypted as the browser would, as a notification of its thread", async () => {
    // Bob's browser as the server knows it: a subscription at the test's push service.
    const bobApi = await server.signIn(bobSigner)
    await bobApi.subscribePush(service.subscribe('bob'))
    // With the chat closed, no stream of Bob's is open: the server pushes.
    await bob.page.goto('about:blank')
    await send('Is the Aurora print still available?')
    const push = await service.next('bob')
    expect(push.payload).toMatchObject({ type: 'message', thread: uuid, body: 'Open VFX Chat to read it.' })

    // Back to the chat in the same tab, which kept its session.
    const { page } = bob
    await page.goto(`${server.url}/`)
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    const cdp = await bob.context.newCDPSession(page)
    const registered = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((registration) => registration.scopeURL === `${server.url}/` && !registration.isDeleted)
        if (ours) resolve(ours.registrationId)
      }),
    )
    await cdp.send('ServiceWorker.enable')
    const registrationId = await registered
    // A push reaches only an active worker: wait for it, as a push service's message would.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(push.payload) })
    await expect.poll(() => shownNotifications(page), { timeout: 10_000 }).toEqual([
      { title: `New message from ${aliceSigner.address.slice(0, 6)}…${aliceSigner.address.slice(-4)}`, body: 'Open VFX Chat to read it.', thread: uuid },
    ])
    await clearNotifications(page)
  })

  it('opens the thread in the open tab when the notification is clicked', async () => {
    const { page } = bob
    await page.evaluate(async (thread) => {
      const registration = await navigator.serviceWorker.ready
      await registration.showNotification('New message', { body: 'Open VFX Chat to read it.', tag: `thread:${thread}`, data: { thread } })
    }, uuid)
    // Nobody can click a system notification in headless Chromium: the service worker gets the
    // click event its handler would get, dispatched in its own scope.
    const [worker] = bob.context.serviceWorkers()
    await worker!.evaluate(async () => {
      const scope = globalThis as unknown as {
        registration: ServiceWorkerRegistration
        NotificationEvent: new (type: string, init: { notification: Notification }) => Event
        dispatchEvent(event: Event): boolean
      }
      const [shown] = await scope.registration.getNotifications()
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: shown! }))
    })
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/t/${uuid}`)
    await page.locator('#conversation-title').getByText(aliceSigner.address.slice(0, 6)).waitFor()
    expect(await shownNotifications(page)).toEqual([])
    await page.evaluate(() => (location.hash = '#/'))
  })

  it('in a hidden tab, shows a notification and the unread count in the title; a muted thread shows only the count', async () => {
    const { page } = bob
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    // The first message is still unread; hidden, the tab counts the next one too.
    await expect.poll(() => page.title()).toBe('(1) VFX Chat')
    await send('Would 40 VFX do?')
    await expect.poll(() => page.title()).toBe('(2) VFX Chat')
    await expect.poll(() => shownNotifications(page)).toEqual([expect.objectContaining({ body: 'Open VFX Chat to read it.', thread: uuid })])
    await clearNotifications(page)

    // Muted from the conversation's header (the page is still "hidden": the route changes all the same).
    await page.evaluate((thread) => (location.hash = `#/t/${thread}`), uuid)
    await page.getByRole('button', { name: 'Mute' }).click()
    await page.getByRole('button', { name: 'Unmute' }).waitFor()
    await page.evaluate(() => (location.hash = '#/'))
    await send('Hello?')
    await expect.poll(() => page.title()).toBe('(3) VFX Chat')
    expect(await shownNotifications(page)).toEqual([])
  })

  it('keeps the preferences on the Notifications page', async () => {
    const { page } = bob
    await page.getByRole('link', { name: 'Notifications' }).click()
    await page.getByRole('heading', { name: 'Notifications' }).waitFor()
    await page.getByRole('heading', { name: 'Quiet hours' }).waitFor()
    // This server has no SMTP_URL: the page offers no e-mail address.
    expect(await page.getByRole('heading', { name: 'E-mail digests' }).count()).toBe(0)
    const previews = page.getByLabel('Show the words of a message in notifications and digests')
    // Ticked once the server has it (the box stays as saved until then).
    await previews.click()
    await expect.poll(() => previews.isChecked()).toBe(true)
    await page.getByLabel('No notifications every day between').check()
    await page.getByLabel('Time zone').fill('Europe/Berlin')
    await page.getByRole('button', { name: 'Save quiet hours' }).click()
    await page.getByRole('status').getByText('Saved.').waitFor()
    await page.locator('.notification-settings .form').evaluate((form) => form.scrollTo(0, 0))
    await saveScreenshot(page, 'notifications.png')
    const saved = await (await server.signIn(bobSigner)).notificationPreferences()
    expect(saved).toMatchObject({ previews: true, quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Europe/Berlin' } })
    await page.getByLabel('Time zone').fill('Mars/Olympus')
    await page.getByRole('button', { name: 'Save quiet hours' }).click()
    await page.getByRole('alert').getByText('"Mars/Olympus" is not a known time zone.').waitFor()
    expect(bob.problems).toEqual([])
  })
})
