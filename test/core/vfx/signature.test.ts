import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { base58, base64 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressFromPublicKey } from '../../../src/core/vfx/address.js';
import { verifySignature } from '../../../src/core/vfx/signature.js';
import { VfxSigner } from '../../../src/sdk/signer.js';

const VECTOR_KEY = '18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725';
const VECTOR_ADDRESS = 'R9Ng1rDS2YgB7R2bJMU3RKzVXSriXLRsBR';
// Private key 153: its public X starts with 0x00, so wallets write a 63-byte key part.
const ZERO_X_KEY = '0000000000000000000000000000000000000000000000000000000000000099';
const N = secp256k1.Point.Fn.ORDER;
const MESSAGE = 'Sign in to VFX Chat\nnonce: 3f2a9c';

const vector = VfxSigner.fromPrivateKey(VECTOR_KEY);
const other = VfxSigner.fromPrivateKey('aa'.repeat(32));

/** Any UTF-16 string, lone surrogates included. */
const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) });
const message = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const scalarHex = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => bytesToHex(secp256k1.Point.Fn.toBytes(k)));

function split(signature: string): { der: Uint8Array; key: Uint8Array } {
  const [der, key] = signature.split('.') as [string, string];
  return { der: base64.decode(der), key: base58.decode(key) };
}

function join(der: Uint8Array, key: Uint8Array): string {
  return `${base64.encode(der)}.${base58.encode(key)}`;
}

function reserveAddress(secretKey: Uint8Array): string {
  return addressFromPublicKey(secp256k1.getPublicKey(secretKey, false), 'reserve', 'mainnet');
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice();
  flipped[bit >> 3]! ^= 1 << (bit & 7);
  return flipped;
}

describe('VfxSigner', () => {
  it('derives the public test vector address', () => {
    expect(vector.address).toBe(VECTOR_ADDRESS);
    expect(vector.privateKeyHex).toBe(VECTOR_KEY);
    expect(vector.publicKey).toHaveLength(64);
  });

  it('accepts a 66-character key with a leading 00 and upper-case hex', () => {
    expect(VfxSigner.fromPrivateKey(`00${VECTOR_KEY}`).address).toBe(VECTOR_ADDRESS);
    expect(VfxSigner.fromPrivateKey(VECTOR_KEY.toUpperCase()).privateKeyHex).toBe(VECTOR_KEY);
  });

  it('refuses keys that are not 64 hex chars (or 00 + 64) or not a valid scalar', () => {
    for (const bad of ['', VECTOR_KEY.slice(2), `01${VECTOR_KEY}`, `${VECTOR_KEY}00`, `0x${VECTOR_KEY}`, 'zz'.repeat(32)]) {
      expect(() => VfxSigner.fromPrivateKey(bad)).toThrow(/private key/);
    }
    expect(() => VfxSigner.fromPrivateKey('00'.repeat(32))).toThrow(/scalar/);
    expect(() => VfxSigner.fromPrivateKey(N.toString(16))).toThrow(/scalar/);
  });

  it('signs in the wallet format: base64(DER) "." base58(X‖Y), deterministic and low-S', () => {
    const signature = vector.sign(MESSAGE);
    expect(signature.split('.')).toHaveLength(2);
    const { der, key } = split(signature);
    expect(key).toEqual(vector.publicKey);
    expect(secp256k1.Signature.fromBytes(der, 'der').hasHighS()).toBe(false);
    expect(vector.sign(MESSAGE)).toBe(signature);
  });

  it('refuses a reserve signer for a key whose reserve address would be the invalid xRBW… form', () => {
    let secretKey = secp256k1.Point.Fn.toBytes(1n);
    for (let k = 2n; reserveAddress(secretKey).startsWith('xRBX'); k++) secretKey = secp256k1.Point.Fn.toBytes(k);
    expect(() => VfxSigner.fromPrivateKey(bytesToHex(secretKey), { kind: 'reserve' })).toThrow(/xRBW/);
  });

  it('generates reserve signers whose address starts xRBX', () => {
    for (let i = 0; i < 8; i++) expect(VfxSigner.generate({ kind: 'reserve' }).address).toMatch(/^xRBX/);
  });
});

describe('verifySignature', () => {
  it('accepts a signature by the address owner', () => {
    expect(verifySignature(VECTOR_ADDRESS, MESSAGE, vector.sign(MESSAGE), 'mainnet')).toBe(true);
  });

  it('accepts a testnet signer on testnet and rejects its address on mainnet', () => {
    const signer = VfxSigner.generate({ network: 'testnet' });
    expect(verifySignature(signer.address, MESSAGE, signer.sign(MESSAGE), 'testnet')).toBe(true);
    expect(verifySignature(signer.address, MESSAGE, signer.sign(MESSAGE), 'mainnet')).toBe(false);
  });

  it('accepts a reserve address signature on both networks', () => {
    const signer = VfxSigner.generate({ kind: 'reserve', network: 'testnet' });
    expect(signer.address).toMatch(/^xRBX/);
    expect(verifySignature(signer.address, MESSAGE, signer.sign(MESSAGE), 'mainnet')).toBe(true);
    expect(verifySignature(signer.address, MESSAGE, signer.sign(MESSAGE), 'testnet')).toBe(true);
  });

  it('accepts a high-S signature (older wallets produce them)', () => {
    const { der, key } = split(vector.sign(MESSAGE));
    const low = secp256k1.Signature.fromBytes(der, 'der');
    const high = new secp256k1.Signature(low.r, N - low.s);
    expect(high.hasHighS()).toBe(true);
    const highDer = high.toBytes('der');
    // noble's default policy would refuse it: proof that this really is the high-S form
    expect(secp256k1.verify(highDer, utf8ToBytes(MESSAGE), Uint8Array.of(4, ...key), { format: 'der' })).toBe(false);
    expect(verifySignature(VECTOR_ADDRESS, MESSAGE, join(highDer, key), 'mainnet')).toBe(true);
  });

  it('rejects another key’s signature carrying the owner’s key part', () => {
    const { der } = split(other.sign(MESSAGE));
    expect(verifySignature(VECTOR_ADDRESS, MESSAGE, join(der, vector.publicKey), 'mainnet')).toBe(false);
  });

  it('rejects another key’s full signature (its key does not rebuild the claimed address)', () => {
    const signature = other.sign(MESSAGE);
    expect(verifySignature(other.address, MESSAGE, signature, 'mainnet')).toBe(true);
    expect(verifySignature(VECTOR_ADDRESS, MESSAGE, signature, 'mainnet')).toBe(false);
  });

  it('rejects a signature of a different message', () => {
    expect(verifySignature(VECTOR_ADDRESS, `${MESSAGE} `, vector.sign(MESSAGE), 'mainnet')).toBe(false);
  });

  it('accepts a key part that decodes to 63 bytes (X starting 0x00), and the 64-byte form', () => {
    const signer = VfxSigner.fromPrivateKey(ZERO_X_KEY);
    const { der, key } = split(signer.sign(MESSAGE));
    expect(key[0]).toBe(0);
    const walletForm = `${base64.encode(der)}.${base58.encode(key.subarray(1))}`;
    expect(base58.decode(walletForm.split('.')[1]!)).toHaveLength(63);
    expect(verifySignature(signer.address, MESSAGE, walletForm, 'mainnet')).toBe(true);
    expect(verifySignature(signer.address, MESSAGE, join(der, key), 'mainnet')).toBe(true);
  });

  it('rejects key parts of 62 or 65 bytes', () => {
    const signer = VfxSigner.fromPrivateKey(ZERO_X_KEY);
    const { der, key } = split(signer.sign(MESSAGE));
    expect(verifySignature(signer.address, MESSAGE, join(der, key.subarray(2)), 'mainnet')).toBe(false);
    expect(verifySignature(signer.address, MESSAGE, join(der, Uint8Array.of(4, ...key)), 'mainnet')).toBe(false);
  });

  it('rejects a key part that is not a point on the curve', () => {
    const { der, key } = split(vector.sign(MESSAGE));
    const offCurve = key.slice();
    offCurve[63]! ^= 1;
    expect(verifySignature(VECTOR_ADDRESS, MESSAGE, join(der, offCurve), 'mainnet')).toBe(false);
  });

  it('rejects malformed signature strings', () => {
    const signature = vector.sign(MESSAGE);
    const [der, key] = signature.split('.') as [string, string];
    const malformed = [
      '',
      '.',
      der,
      `${der}.`,
      `.${key}`,
      `${signature}.`,
      `${der}.${key}.${key}`,
      `${der.slice(0, -4)}.${key}`, // truncated DER
      `${der.replace(/=+$/, '')}.${key}`, // missing base64 padding
      ` ${signature}`,
      `${der}.${key}0`, // not base58
      `${base64.encode(Uint8Array.of(0x30, 0x00))}.${key}`, // empty DER sequence
      `${base64.encode(secp256k1.Signature.fromBytes(base64.decode(der), 'der').toBytes('compact'))}.${key}`,
      `${der}.${key}${'1'.repeat(200)}`, // too long
    ];
    for (const bad of malformed) expect(verifySignature(VECTOR_ADDRESS, MESSAGE, bad, 'mainnet')).toBe(false);
  });

  it('rejects an invalid claimed address even with a good signature', () => {
    const signature = vector.sign(MESSAGE);
    expect(verifySignature(VECTOR_ADDRESS.slice(0, -1), MESSAGE, signature, 'mainnet')).toBe(false);
    expect(verifySignature(`${VECTOR_ADDRESS} `, MESSAGE, signature, 'mainnet')).toBe(false);
  });

  it('accepts sign → verify for random keys and unicode messages (property)', () => {
    fc.assert(
      fc.property(scalarHex, message, (keyHex, text) => {
        const signer = VfxSigner.fromPrivateKey(keyHex);
        expect(verifySignature(signer.address, text, signer.sign(text), 'mainnet')).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects the signature when one bit of the message changes (property)', () => {
    fc.assert(
      fc.property(message.filter((m) => m.length > 0), fc.nat(), fc.integer({ min: 0, max: 15 }), (text, at, bit) => {
        const i = at % text.length;
        const changed = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);
        // The signature covers UTF-8 bytes; a flip that makes a lone surrogate can encode to the same bytes.
        fc.pre(bytesToHex(utf8ToBytes(changed)) !== bytesToHex(utf8ToBytes(text)));
        expect(verifySignature(VECTOR_ADDRESS, changed, vector.sign(text), 'mainnet')).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects the signature when one bit of the DER bytes changes (property)', () => {
    const { der, key } = split(vector.sign(MESSAGE));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: der.length * 8 - 1 }), (bit) => {
        expect(verifySignature(VECTOR_ADDRESS, MESSAGE, join(flipBit(der, bit), key), 'mainnet')).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects the signature when one bit of the key part changes (property)', () => {
    const { der, key } = split(vector.sign(MESSAGE));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: key.length * 8 - 1 }), (bit) => {
        expect(verifySignature(VECTOR_ADDRESS, MESSAGE, join(der, flipBit(key, bit)), 'mainnet')).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('never throws on arbitrary strings (property)', () => {
    const text = fc.oneof(anyUtf16, fc.string({ unit: 'binary' }), fc.string());
    const dotted = fc.tuple(text, text).map(([a, b]) => `${a}.${b}`);
    fc.assert(
      fc.property(
        fc.oneof(text, fc.constant(VECTOR_ADDRESS)),
        text,
        fc.oneof(text, dotted),
        fc.constantFrom('mainnet', 'testnet'),
        (address, msg, signature, network) => {
          expect(verifySignature(address, msg, signature, network)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on near-valid signatures with one character replaced (property)', () => {
    const signature = vector.sign(MESSAGE);
    fc.assert(
      fc.property(fc.nat({ max: signature.length - 1 }), anyUtf16.filter((c) => c.length === 1), (i, c) => {
        const changed = signature.slice(0, i) + c + signature.slice(i + 1);
        expect(verifySignature(VECTOR_ADDRESS, MESSAGE, changed, 'mainnet')).toBe(changed === signature);
      }),
      { numRuns: 300 },
    );
  });
});
