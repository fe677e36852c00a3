import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); playwright-core never downloads one. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * A headless Chromium for the browser tests. A missing browser throws, so the tests fail
 * rather than skip.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
