/**
 * The signing route of a VFX wallet's local API (docs/api.md §2). Pure: runs in Node and in the
 * browser.
 *
 * @example
 * ```ts
 * const url = walletSignatureUrl(DEFAULT_WALLET_URL, challenge.message, challenge.address);
 * const signature = signatureFromWalletAnswer(await (await fetch(url)).text());
 * ```
 */

/** Where a VFX wallet serves its local API unless its owner moved it. */
export const DEFAULT_WALLET_URL = 'http://localhost:7292';

/**
 * `GET {wallet}/api/V1/CreateSignature/{message}/{address}`, each of message and address encoded
 * as one path segment; the wallet answers the signature as text.
 */
export function walletSignatureUrl(walletUrl: string, message: string, address: string): string {
  return `${walletUrl.replace(/\/+$/, '')}/api/V1/CreateSignature/${encodeURIComponent(message)}/${encodeURIComponent(address)}`;
}

/** The signature in a wallet's answer: some wallet versions answer it as a JSON string, quoted. */
export function signatureFromWalletAnswer(answer: string): string {
  const text = answer.trim();
  // A signature is base64, "." and base58: nothing in it is escaped inside the quotes.
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).trim() : text;
}
