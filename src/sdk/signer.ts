import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base58, base64 } from '@scure/base';
import { addressFromPublicKey, type AddressKind, type Network } from '../core/vfx/address.js';

export interface SignerOptions {
  kind?: AddressKind;
  network?: Network;
}

// 64 hex chars, or 66 with a leading `00` (the sign byte some wallets add to a big-integer key).
const PRIVATE_KEY_HEX = /^(?:00)?([0-9a-fA-F]{64})$/;
const RESERVE_START = 'xRBX';

/**
 * A VFX key pair that signs in the wallet format accepted by `verifySignature`.
 * Browser-safe: no Node APIs.
 *
 * @example
 * ```ts
 * const signer = VfxSigner.generate({ network: 'testnet' });
 * const signature = signer.sign(challenge.message);
 * ```
 */
export class VfxSigner {
  readonly address: string;
  readonly privateKeyHex: string;
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;

  private constructor(secretKey: Uint8Array, kind: AddressKind, network: Network) {
    this.#secretKey = secretKey;
    this.#publicKey = secp256k1.getPublicKey(secretKey, false).subarray(1);
    this.privateKeyHex = bytesToHex(secretKey);
    this.address = addressFromPublicKey(this.#publicKey, kind, network);
  }

  static fromPrivateKey(privateKeyHex: string, options: SignerOptions = {}): VfxSigner {
    const digits = PRIVATE_KEY_HEX.exec(privateKeyHex)?.[1];
    if (digits === undefined) {
      throw new Error('private key must be 64 hex characters, or 66 starting with 00');
    }
    const secretKey = hexToBytes(digits.toLowerCase());
    if (!secp256k1.utils.isValidSecretKey(secretKey)) {
      throw new Error('private key is not a valid secp256k1 scalar (must be in 1..n-1)');
    }
    const signer = new VfxSigner(secretKey, options.kind ?? 'standard', options.network ?? 'mainnet');
    if (!signer.address.startsWith(RESERVE_START) && options.kind === 'reserve') {
      throw new Error('this key encodes to an xRBW… reserve address, which is invalid; use another key');
    }
    return signer;
  }

  static generate(options: SignerOptions = {}): VfxSigner {
    const kind = options.kind ?? 'standard';
    const network = options.network ?? 'mainnet';
    for (;;) {
      const signer = new VfxSigner(secp256k1.utils.randomSecretKey(), kind, network);
      // About half of keys give an invalid `xRBW…` reserve address; wallets draw again.
      if (kind !== 'reserve' || signer.address.startsWith(RESERVE_START)) return signer;
    }
  }

  /** The 64-byte public key X‖Y (a copy). */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  /** `base64(DER(ECDSA over SHA-256(UTF-8 message))) + "." + base58(X‖Y)`, low-S and deterministic. */
  sign(message: string): string {
    const der = secp256k1.sign(utf8ToBytes(message), this.#secretKey, { format: 'der' });
    return `${base64.encode(der)}.${base58.encode(this.#publicKey)}`;
  }
}
