import { useState } from 'preact/hooks'
import type { Session } from '../sdk/client.js'
import { VfxSigner } from '../sdk/signer.js'
import { CopyButton } from './address.js'
import type { PageConfig } from './page-config.js'
import { errorText, signInWithKey } from './session.js'
import { WalletSignIn } from './wallet-sign-in.js'

interface Props {
  config: PageConfig
  notice: string | null
  onSignedIn: (session: Session) => void
}

/**
 * The ways in: first the person's own VFX wallet, which signs the challenge outside the page;
 * then a VFX private key, pasted or made here, which signs it in this page and is then
 * forgotten. Either way only the token is kept.
 */
export function SignIn({ config, notice, onSignedIn }: Props) {
  const [key, setKey] = useState('')
  const [shown, setShown] = useState(false)
  const [fresh, setFresh] = useState<VfxSigner | null>(null)
  const [saved, setSaved] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const signIn = async (privateKeyHex: string) => {
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await signInWithKey(privateKeyHex, config.network))
    } catch (caught) {
      setError(errorText(caught))
      setBusy(false)
    }
  }

  if (fresh) {
    return (
      <main class="sign-in" aria-labelledby="new-key-title">
        <h1 id="new-key-title">Your new key</h1>
        <p class="warning" role="alert">
          Save this private key now, somewhere safe. It is shown only once, it is your only way back into this address, and
          anyone who has it can act as you.
        </p>
        <label for="new-key">Private key</label>
        <div class="key-row">
          <input id="new-key" class="mono" readOnly value={fresh.privateKeyHex} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={fresh.privateKeyHex} label="private key" />
        </div>
        <p>
          Address: <span class="mono">{fresh.address}</span>
        </p>
        <label class="check">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />I have saved my private key
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setFresh(null)}>
            Back
          </button>
          <button type="button" class="primary" disabled={!saved || busy} onClick={() => signIn(fresh.privateKeyHex)}>
            {busy ? 'Signing in…' : 'Continue'}
          </button>
        </div>
      </main>
    )
  }

  return (
    <main class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">VFX Chat</h1>
      <p class="lead">Talk with buyers and shops of the VFX marketplace.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      <section aria-labelledby="wallet-title">
        <h2 id="wallet-title">Sign in with your VFX wallet</h2>
        <WalletSignIn onSignedIn={onSignedIn} />
      </section>
      <div class="divider">
        <span>or</span>
      </div>
      <section aria-labelledby="key-title">
        <h2 id="key-title">Use a private key instead</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault()
            void signIn(key)
          }}
        >
          <label for="private-key">Private key</label>
          <div class="key-row">
            <input
              id="private-key"
              class="mono"
              // Preact's input types are split by `type`; one field switches between the two.
              type={(shown ? 'text' : 'password') as 'text'}
              autoComplete="off"
              spellcheck={false}
              placeholder="64 hex characters"
              value={key}
              onInput={(e) => setKey(e.currentTarget.value)}
              aria-describedby="key-hint"
              aria-invalid={error ? true : undefined}
              required
            />
            <button type="button" class="secondary" onClick={() => setShown(!shown)} aria-pressed={shown}>
              {shown ? 'Hide' : 'Show'}
            </button>
          </div>
          <p id="key-hint" class="hint">
            The key signs a sign-in challenge in this page. It is never sent to the server and never stored.
          </p>
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="primary wide" disabled={busy || key.trim() === ''}>
            {busy ? 'Signing in…' : 'Sign in with key'}
          </button>
        </form>
        <button
          type="button"
          class="secondary wide create-key"
          onClick={() => {
            setError(null)
            setSaved(false)
            setFresh(VfxSigner.generate({ network: config.network }))
          }}
        >
          Create a new key
        </button>
      </section>
    </main>
  )
}
