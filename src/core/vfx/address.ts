import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';

/**
 * VFX address rules (docs/api.md §1). Pure: runs in Node and in the browser.
 *
 * @example
 * ```ts
 * const address = addressFromPublicKey(publicKey, 'standard', 'mainnet'); // 'R…'
 * isValidAddress(address, 'mainnet'); // true
 * ```
 */
export type Network = 'mainnet' | 'testnet';
export type AddressKind = 'standard' | 'reserve';

const STANDARD_PREFIX: Readonly<Record<Network, number>> = Object.freeze({
  mainnet: 0x3c,
  testnet: 0x89,
});
const RESERVE_PREFIX = [0x89, 0xb9, 0x21] as const;
const RESERVE_HASH_BYTES = 18;
/** prefix ‖ hash, before the 4-byte checksum: 1 + 20 or 3 + 18. */
const PAYLOAD_BYTES = 21;
// Every 25-byte value starting 0x3C or 0x89 encodes to exactly 34 base58 chars,
// so any other length is rejected before decoding.
const ADDRESS_CHARS = 34;
// About half of reserve payloads encode to `xRBW…`; wallets redraw the key, so only `xRBX` is valid.
const RESERVE_START = 'xRBX';

/** Base58Check with checksum = first 4 bytes of SHA-256(SHA-256(payload)). */
const base58check = createBase58check(sha256);

/**
 * The address of `publicKey`, which is the uncompressed key `04‖X‖Y` (65 bytes) or `X‖Y` (64).
 * A reserve address does not depend on the network.
 */
export function addressFromPublicKey(publicKey: Uint8Array, kind: AddressKind, network: Network): string {
  const hash = ripemd160(sha256(uncompressed(publicKey)));
  const payload = new Uint8Array(PAYLOAD_BYTES);
  if (kind === 'reserve') {
    payload.set(RESERVE_PREFIX);
    payload.set(hash.subarray(0, RESERVE_HASH_BYTES), RESERVE_PREFIX.length);
  } else {
    payload[0] = STANDARD_PREFIX[network];
    payload.set(hash, 1);
  }
  return base58check.encode(payload);
}

/** Whether `address` is a canonical, well-formed address accepted on `network`. Never throws. */
export function isValidAddress(address: string, network: Network): boolean {
  if (typeof address !== 'string' || address.length !== ADDRESS_CHARS) return false;
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address); // throws on a foreign character or a bad checksum
  } catch {
    return false;
  }
  if (payload.length !== PAYLOAD_BYTES || base58check.encode(payload) !== address) return false;
  if (isReservePayload(payload)) return address.startsWith(RESERVE_START);
  return payload[0] === STANDARD_PREFIX[network];
}

function isReservePayload(payload: Uint8Array): boolean {
  return RESERVE_PREFIX.every((byte, i) => payload[i] === byte);
}

function uncompressed(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length === 65 && publicKey[0] === 0x04) return publicKey;
  if (publicKey.length === 64) {
    const key = new Uint8Array(65);
    key[0] = 0x04;
    key.set(publicKey, 1);
    return key;
  }
  throw new Error('public key must be 65 bytes (04‖X‖Y) or 64 bytes (X‖Y)');
}
