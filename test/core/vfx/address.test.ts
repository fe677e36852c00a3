import { secp256k1 } from '@noble/curves/secp256k1.js';
import { base58, createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressFromPublicKey, isValidAddress } from '../../../src/core/vfx/address.js';
import { VfxSigner } from '../../../src/sdk/signer.js';

const VECTOR_KEY = '18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725';
const VECTOR_ADDRESS = 'R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR';
const OTHER_MAINNET = 'RAjtW2uDSEDW9mPVkKp2K2AAu4uJD9Zrn7';
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const base58check = createBase58check(sha256);

/** Any UTF-16 string, lone surrogates included. */
const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) });

function replaceAt(s: string, i: number, c: string): string {
  return s.slice(0, i) + c + s.slice(i + 1);
}

/** A key whose reserve address is the invalid `xRBW…` form (deterministic search). */
function xrbwKey(): Uint8Array {
  for (let i = 1n; ; i++) {
    const publicKey = secp256k1.getPublicKey(secp256k1.Point.Fn.toBytes(i), false);
    if (addressFromPublicKey(publicKey, 'reserve', 'mainnet').startsWith('xRBW')) return publicKey;
  }
}

describe('addressFromPublicKey', () => {
  it('derives the public test vector on mainnet', () => {
    const publicKey = secp256k1.getPublicKey(hexToBytes(VECTOR_KEY), false);
    expect(addressFromPublicKey(publicKey, 'standard', 'mainnet')).toBe(VECTOR_ADDRESS);
  });

  it('gives the same address for 04‖X‖Y and X‖Y', () => {
    const publicKey = secp256k1.getPublicKey(hexToBytes(VECTOR_KEY), false);
    expect(addressFromPublicKey(publicKey.subarray(1), 'standard', 'mainnet')).toBe(VECTOR_ADDRESS);
  });

  it('uses prefix 0x89 (x…) on testnet', () => {
    const address = VfxSigner.fromPrivateKey(VECTOR_KEY, { network: 'testnet' }).address;
    expect(address[0]).toBe('x');
    expect(base58.decode(address)[0]).toBe(0x89);
  });

  it('makes a reserve address independent of the network', () => {
    const publicKey = VfxSigner.generate({ kind: 'reserve' }).publicKey;
    expect(addressFromPublicKey(publicKey, 'reserve', 'mainnet')).toBe(
      addressFromPublicKey(publicKey, 'reserve', 'testnet'),
    );
  });

  it('rejects a public key of the wrong length', () => {
    expect(() => addressFromPublicKey(new Uint8Array(33), 'standard', 'mainnet')).toThrow(/65 bytes/);
  });
});

describe('isValidAddress', () => {
  it('accepts the known mainnet addresses', () => {
    expect(isValidAddress(VECTOR_ADDRESS, 'mainnet')).toBe(true);
    expect(isValidAddress(OTHER_MAINNET, 'mainnet')).toBe(true);
  });

  it('rejects a mainnet address on testnet and a testnet address on mainnet', () => {
    const testnet = VfxSigner.fromPrivateKey(VECTOR_KEY, { network: 'testnet' }).address;
    expect(isValidAddress(testnet, 'testnet')).toBe(true);
    expect(isValidAddress(testnet, 'mainnet')).toBe(false);
    expect(isValidAddress(VECTOR_ADDRESS, 'testnet')).toBe(false);
  });

  it('accepts a reserve address (xRBX…) on both networks', () => {
    const reserve = VfxSigner.generate({ kind: 'reserve' }).address;
    expect(reserve.startsWith('xRBX')).toBe(true);
    expect(isValidAddress(reserve, 'mainnet')).toBe(true);
    expect(isValidAddress(reserve, 'testnet')).toBe(true);
  });

  it('rejects a correctly encoded reserve payload that starts xRBW', () => {
    const xrbw = addressFromPublicKey(xrbwKey(), 'reserve', 'mainnet');
    expect(xrbw.startsWith('xRBW')).toBe(true);
    expect(base58check.decode(xrbw)).toHaveLength(21); // well-formed apart from the xRBW rule
    expect(isValidAddress(xrbw, 'mainnet')).toBe(false);
    expect(isValidAddress(xrbw, 'testnet')).toBe(false);
  });

  it('rejects a changed character (bad checksum)', () => {
    for (let i = 0; i < VECTOR_ADDRESS.length; i++) {
      const c = VECTOR_ADDRESS[i] === 'z' ? 'y' : 'z';
      expect(isValidAddress(replaceAt(VECTOR_ADDRESS, i, c), 'mainnet')).toBe(false);
    }
  });

  it('rejects a 25-byte payload with a correct checksum but an unknown prefix', () => {
    const payload = base58check.decode(VECTOR_ADDRESS);
    payload[0] = 0x3d;
    const other = base58check.encode(payload);
    expect(other).toHaveLength(34);
    expect(isValidAddress(other, 'mainnet')).toBe(false);
    expect(isValidAddress(other, 'testnet')).toBe(false);
  });

  it('rejects leading-1 variants (extra zero bytes), even with a correct checksum', () => {
    expect(isValidAddress(`1${VECTOR_ADDRESS}`, 'mainnet')).toBe(false);
    expect(isValidAddress(`11${VECTOR_ADDRESS}`, 'mainnet')).toBe(false);
    // 34 chars, 25 bytes, good checksum, but a zero byte where the prefix belongs
    const zeroLed = base58check.encode(Uint8Array.of(0, ...base58check.decode(VECTOR_ADDRESS).subarray(0, 20)));
    expect(zeroLed).toMatch(/^1/);
    expect(zeroLed).toHaveLength(34);
    expect(isValidAddress(zeroLed, 'mainnet')).toBe(false);
  });

  it('rejects too short, too long and empty strings', () => {
    expect(isValidAddress(VECTOR_ADDRESS.slice(0, -1), 'mainnet')).toBe(false);
    expect(isValidAddress(`${VECTOR_ADDRESS}a`, 'mainnet')).toBe(false);
    expect(isValidAddress('', 'mainnet')).toBe(false);
    expect(isValidAddress('R'.repeat(10_000), 'mainnet')).toBe(false);
  });

  it('rejects characters outside the Bitcoin alphabet, spaces and unicode look-alikes', () => {
    for (const c of ['0', 'O', 'I', 'l', ' ', '\u00a0', 'Я', '\u{1F600}', '\ud800']) {
      expect(isValidAddress(replaceAt(VECTOR_ADDRESS, 5, c), 'mainnet')).toBe(false);
    }
    expect(isValidAddress(` ${VECTOR_ADDRESS}`, 'mainnet')).toBe(false);
    expect(isValidAddress(`${VECTOR_ADDRESS}\n`, 'mainnet')).toBe(false);
    expect(isValidAddress(VECTOR_ADDRESS.toLowerCase(), 'mainnet')).toBe(false);
  });

  it('accepts every derived standard and reserve address (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: secp256k1.Point.Fn.ORDER - 1n }), (scalar) => {
        const publicKey = secp256k1.getPublicKey(secp256k1.Point.Fn.toBytes(scalar), false);
        for (const network of ['mainnet', 'testnet'] as const) {
          expect(isValidAddress(addressFromPublicKey(publicKey, 'standard', network), network)).toBe(true);
        }
        const reserve = addressFromPublicKey(publicKey, 'reserve', 'mainnet');
        expect(isValidAddress(reserve, 'mainnet')).toBe(reserve.startsWith('xRBX'));
      }),
      { numRuns: 100 },
    );
  });

  it('never throws and rejects arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, fc.string({ unit: 'binary' }), fc.string()), (s) => {
        expect(isValidAddress(s, 'mainnet')).toBe(false);
        expect(isValidAddress(s, 'testnet')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on 34-character strings near valid ones (property)', () => {
    const base58Char = fc.constantFrom(...BASE58_ALPHABET);
    const mutated = fc
      .tuple(fc.integer({ min: 0, max: 33 }), fc.oneof(base58Char, anyUtf16.filter((s) => s.length === 1)))
      .map(([i, c]) => replaceAt(VECTOR_ADDRESS, i, c));
    const random34 = fc.string({ unit: base58Char, minLength: 34, maxLength: 34 });
    fc.assert(
      fc.property(fc.oneof(mutated, random34), (s) => {
        expect(isValidAddress(s, 'mainnet')).toBe(s === VECTOR_ADDRESS);
      }),
      { numRuns: 500 },
    );
  });
});
