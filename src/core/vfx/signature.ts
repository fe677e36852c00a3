import { secp256k1 } from '@noble/curves/secp256k1.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base58, base64 } from '@scure/base';
import { addressFromPublicKey, isValidAddress, type Network } from './address.js';

// base64(DER ≤ 72 bytes) = 96 chars, '.', base58(64 bytes) ≤ 88 chars: anything longer is not a signature.
const MAX_SIGNATURE_CHARS = 200;
const PUBLIC_KEY_BYTES = 64;

/**
 * Whether `signature` (the VFX wallet format `base64(DER) + "." + base58(X‖Y)`) is `address`'s
 * signature of `message`. Never throws.
 *
 * @example
 * ```ts
 * verifySignature(address, challenge.message, body.signature, config.network);
 * ```
 */
export function verifySignature(address: string, message: string, signature: string, network: Network): boolean {
  if (typeof message !== 'string' || typeof signature !== 'string') return false;
  if (signature.length > MAX_SIGNATURE_CHARS || !isValidAddress(address, network)) return false;
  const parts = signature.split('.');
  if (parts.length !== 2) return false;
  const [derBase64, keyBase58] = parts as [string, string];
  try {
    const der = base64.decode(derBase64);
    const publicKey = uncompressedKey(base58.decode(keyBase58));
    if (!publicKey) return false;
    // Compare with both kinds: on testnet a standard address can carry the reserve prefix bytes,
    // so the kind is not always knowable from the address alone.
    if (
      address !== addressFromPublicKey(publicKey, 'standard', network) &&
      address !== addressFromPublicKey(publicKey, 'reserve', network)
    ) {
      return false;
    }
    // prehash: noble hashes the message with SHA-256 itself. lowS: false because older wallets sign high-S.
    return secp256k1.verify(der, utf8ToBytes(message), publicKey, { format: 'der', prehash: true, lowS: false });
  } catch {
    return false;
  }
}

/** `04‖X‖Y` from the wallet's key part, or null when it is not 64 bytes. */
function uncompressedKey(xy: Uint8Array): Uint8Array | null {
  // Wallets encode the key as a big integer, so an X starting with 0x00 loses one leading byte.
  const missing = PUBLIC_KEY_BYTES - xy.length;
  if (missing !== 0 && missing !== 1) return null;
  const key = new Uint8Array(1 + PUBLIC_KEY_BYTES);
  key[0] = 0x04;
  key.set(xy, 1 + missing);
  return key;
}
