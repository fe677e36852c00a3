import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { DEFAULT_WALLET_URL, signatureFromWalletAnswer, walletSignatureUrl } from '../core/vfx/wallet.js'
import { VfxChatClient } from '../sdk/client.js'
import { VfxSigner } from '../sdk/signer.js'
import { CliError, paint, print } from './output.js'
import { forgetSession, readSession, saveSession } from './session-store.js'

export function keygen(options: { out?: string; testnet?: boolean }, json: boolean): void {
  const signer = VfxSigner.generate({ network: options.testnet ? 'testnet' : 'mainnet' })
  if (options.out) {
    // flag 'wx': never overwrite a key that may hold funds.
    try {
      writeFileSync(resolve(options.out), `${signer.privateKeyHex}\n`, { mode: 0o600, flag: 'wx' })
    } catch (error) {
      throw new CliError(`cannot write ${options.out} (${(error as Error).message})`)
    }
    print(json, { address: signer.address, key_file: resolve(options.out) }, () => [`address ${signer.address}`, `key written to ${resolve(options.out!)} (mode 0600)`])
    return
  }
  print(json, { address: signer.address, private_key: signer.privateKeyHex }, () => [
    `address     ${signer.address}`,
    `private key ${signer.privateKeyHex}`,
    paint('yellow', 'Keep the key secret and safe: it is the address. It is shown once.'),
  ])
}

/**
 * Signs in with a key file (signed here; the key never leaves this machine), or through a
 * running VFX wallet, which signs the challenge at its local API; keeps the token for later commands.
 */
export async function login(server: string, options: { key?: string; wallet?: string | boolean; address?: string; testnet?: boolean }, json: boolean) {
  const client = new VfxChatClient(server)
  let session
  if (options.key) {
    let signer: VfxSigner
    try {
      signer = VfxSigner.fromPrivateKey(readFileSync(resolve(options.key), 'utf8').trim(), { network: options.testnet ? 'testnet' : 'mainnet' })
    } catch (error) {
      throw new CliError(`cannot use ${options.key} as a key file (${(error as Error).message})`)
    }
    session = await client.signIn(signer)
  } else if (options.wallet) {
    if (!options.address) throw new CliError('--wallet needs --address <your VFX address>')
    const wallet = typeof options.wallet === 'string' ? options.wallet : DEFAULT_WALLET_URL
    const { message } = await client.challenge(options.address)
    const signature = await walletSignature(wallet, message, options.address)
    session = await client.issueToken(options.address, message, signature)
  } else {
    throw new CliError('say how to sign: --key <file> or --wallet [url] --address <address>')
  }
  saveSession({ server, address: session.address, token: session.token })
  print(json, { server, address: session.address, expires_at: session.expires_at }, () => `${paint('green', '✓')} signed in to ${server} as ${session.address}`)
}

/** Asks the wallet at `wallet` to sign `message` for `address` (docs/api.md §2). */
async function walletSignature(wallet: string, message: string, address: string): Promise<string> {
  let answer: Response
  try {
    answer = await fetch(walletSignatureUrl(wallet, message, address), { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    throw new CliError(`cannot reach the wallet at ${wallet} (${(error as Error).message}); is it running?`)
  }
  const text = await answer.text()
  if (!answer.ok) throw new CliError(`the wallet refused to sign (HTTP ${answer.status}: ${text.trim().slice(0, 200)})`)
  return signatureFromWalletAnswer(text)
}

export async function logout(json: boolean): Promise<void> {
  const session = readSession()
  if (!session) throw new CliError('not signed in')
  // The token stops working on the server; the local copy goes even if the server is gone.
  await new VfxChatClient(session.server, session.token).signOut().catch(() => {})
  forgetSession()
  print(json, { signed_out: session.address }, () => `signed out ${session.address}`)
}

export async function whoami(json: boolean): Promise<void> {
  const session = signedIn()
  const client = new VfxChatClient(session.server, session.token)
  // A cheap authenticated call: does the token still stand for the address?
  await client.listBlocks({ page_size: 1 })
  print(json, { address: session.address, server: session.server }, () => `${session.address} on ${session.server}`)
}

/** The stored session, or a clear error saying how to get one. */
export function signedIn() {
  const session = readSession()
  if (!session) throw new CliError('not signed in: run vfx-chat login --key <file> (or --wallet)')
  return session
}
