import type { Network } from '../core/vfx/address.js'

/**
 * What the server tells the page about itself, through `<meta>` tags it fills in when it
 * serves index.html (no inline script, so the strict CSP holds). The defaults are the
 * server's own defaults, for the Vite dev server.
 */
export interface PageConfig {
  network: Network
  maxMessageLength: number
}

function meta(name: string): string | null {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? null
}

export function readPageConfig(): PageConfig {
  const network = meta('vfx-chat:network') === 'testnet' ? 'testnet' : 'mainnet'
  const maxMessageLength = Number(meta('vfx-chat:max-message-length'))
  return { network, maxMessageLength: Number.isInteger(maxMessageLength) && maxMessageLength > 0 ? maxMessageLength : 4000 }
}
