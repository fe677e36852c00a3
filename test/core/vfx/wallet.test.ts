import { describe, expect, it } from 'vitest';
import { DEFAULT_WALLET_URL, signatureFromWalletAnswer, walletSignatureUrl } from '../../../src/core/vfx/wallet.js';

describe('walletSignatureUrl', () => {
  it('puts the message and the address each in one path segment, whatever the wallet URL ends with', () => {
    const message = 'Sign in to VFX Chat | Address: Rabc | Nonce: 00ff | Expires: 2026-01-01T12:05:00.000Z';
    const expected = `http://localhost:7292/api/V1/CreateSignature/${encodeURIComponent(message)}/Rabc`;
    expect(walletSignatureUrl(DEFAULT_WALLET_URL, message, 'Rabc')).toBe(expected);
    expect(walletSignatureUrl('http://localhost:7292//', message, 'Rabc')).toBe(expected);
    expect(new URL(expected).pathname.split('/')).toHaveLength(6);
  });
});

describe('signatureFromWalletAnswer', () => {
  it('takes a plain answer as it is, trimmed, and unquotes a JSON string answer', () => {
    expect(signatureFromWalletAnswer(' MEUC.abc\n')).toBe('MEUC.abc');
    expect(signatureFromWalletAnswer('"MEUC.abc"')).toBe('MEUC.abc');
    expect(signatureFromWalletAnswer('"')).toBe('"');
  });
});
