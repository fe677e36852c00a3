import type { Network } from '../core/vfx/address.js'

/**
 * What the server tells the page about itself, through `<meta>` tags it fills in when it
 * serves index.html (no inline script, so the strict CSP holds). The defaults are the
 * server's own defaults, for the Vite dev server.
 */
export interface PageConfig {
  network: Network
  maxMessageLength: number
  /** Bytes one upload may have; a larger file is refused in the page, before any upload. */
  maxAttachmentBytes: number
}

function meta(name: string): string | null {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? null
}

export function readPageConfig(): PageConfig {
  const network = meta('vfx-chat:network') === 'testnet' ? 'testnet' : 'mainnet'
  return {
    network,
    maxMessageLength: positive(meta('vfx-chat:max-message-length'), 4000),
    maxAttachmentBytes: positive(meta('vfx-chat:max-attachment-bytes'), 10 * 1_048_576),
  }
}

function positive(text: string | null, fallback: number): number {
  const value = Number(text)
  return Number.isInteger(value) && value > 0 ? value : fallback
}
