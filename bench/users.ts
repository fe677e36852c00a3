import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { base58, base64 } from '@scure/base'
import { VfxChatClient } from '../src/sdk/client.js'
import { VfxSigner } from '../src/sdk/signer.js'

/** An address whose key the bench holds. */
export interface BenchUser {
  readonly signer: VfxSigner
  readonly address: string
  /** Signs in the wallet format with OpenSSL, so the load generator spends little on it. */
  sign(message: string): string
}

/** Each user's bearer token on one server. */
export type Tokens = ReadonlyMap<BenchUser, string>

export function makeUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, () => {
    const signer = VfxSigner.generate()
    const key = privateKey(signer)
    const publicKey = base58.encode(signer.publicKey)
    return {
      signer,
      address: signer.address,
      sign: (message: string) => `${base64.encode(sign('sha256', Buffer.from(message), { key, dsaEncoding: 'der' }))}.${publicKey}`,
    }
  })
}

/** Signs every user in over HTTP: challenge, signature, token. */
export async function signInAll(url: string, users: readonly BenchUser[]): Promise<Tokens> {
  const sessions = await Promise.all(users.map((user) => new VfxChatClient(url).signIn(user.signer)))
  return new Map(users.map((user, i) => [user, sessions[i]!.token]))
}

function privateKey(signer: VfxSigner): KeyObject {
  const xy = signer.publicKey
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'secp256k1',
      d: b64url(Buffer.from(signer.privateKeyHex, 'hex')),
      x: b64url(xy.subarray(0, 32)),
      y: b64url(xy.subarray(32)),
    },
    format: 'jwk',
  })
}
