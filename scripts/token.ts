// Prints a bearer token for VFX_KEY (hex private key), signed in at VFX_CHAT_URL, for curl.
// The key signs the challenge here and is never sent.
import { VfxChatClient } from '../src/sdk/client.js'
import { VfxSigner } from '../src/sdk/signer.js'

const key = process.env.VFX_KEY
if (!key) {
  console.error('usage: VFX_KEY=<64 hex> [VFX_CHAT_URL=http://localhost:8000] [VFX_NETWORK=mainnet] npm run -s token')
  process.exit(2)
}
const network = process.env.VFX_NETWORK === 'testnet' ? 'testnet' : 'mainnet'
const client = new VfxChatClient(process.env.VFX_CHAT_URL ?? 'http://localhost:8000')
const session = await client.signIn(VfxSigner.fromPrivateKey(key, { network }))
process.stdout.write(`${session.token}\n`)
