/**
 * The vfx-chat SDK (`@vfx-chat/sdk`, built from this folder by packages/sdk): a typed HTTP
 * client, the VFX signer, and the live event stream with resume. Browser-safe: no Node
 * built-ins; it needs only fetch.
 */
export * from './client.js'
export { VfxSigner, type SignerOptions } from './signer.js'
export { subscribe, type StreamHandlers, type StreamOptions, type StreamStatus, type Subscription } from './stream.js'
export type { ReadEvent, ThreadEvent, TypingEvent } from './stream.js'
export { isValidAddress, type AddressKind, type Network } from '../core/vfx/address.js'
