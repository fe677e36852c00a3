import { useState } from 'preact/hooks'
import { DEFAULT_WALLET_URL, signatureFromWalletAnswer, walletSignatureUrl } from '../core/vfx/wallet.js'
import type { Challenge, Session } from '../sdk/client.js'
import { errorText, requestChallenge, signInWithSignature } from './session.js'

interface Props {
  onSignedIn: (session: Session) => void
}

/**
 * Sign-in through the VFX wallet the person already runs. Its local API sends no CORS headers,
 * so the page cannot call it: the page links to the wallet's signing URL for the server's
 * challenge, and the person pastes the answer back. No key ever enters the page.
 */
export function WalletSignIn({ onSignedIn }: Props) {
  const [address, setAddress] = useState('')
  const [walletUrl, setWalletUrl] = useState(DEFAULT_WALLET_URL)
  const [challenge, setChallenge] = useState<Challenge | null>(null)
  const [signature, setSignature] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const askForChallenge = async () => {
    setBusy(true)
    setError(null)
    setSignature('')
    try {
      setChallenge(await requestChallenge(address))
    } catch (caught) {
      setError(errorText(caught))
    }
    setBusy(false)
  }

  const signIn = async (signed: Challenge) => {
    // Checked here too, so an expired challenge costs no round trip and says what to do.
    if (Date.parse(signed.expires_at) <= Date.now()) {
      setError('This challenge has expired. Get a new one, and sign that.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await signInWithSignature(signed, signatureFromWalletAnswer(signature)))
    } catch (caught) {
      setError(errorText(caught))
      setBusy(false)
    }
  }

  if (!challenge) {
    return (
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void askForChallenge()
        }}
      >
        <label for="wallet-address">Your VFX address</label>
        <input
          id="wallet-address"
          class="mono"
          autoComplete="off"
          spellcheck={false}
          placeholder="R…"
          value={address}
          onInput={(e) => setAddress(e.currentTarget.value)}
          aria-describedby="wallet-address-hint"
          aria-invalid={error ? true : undefined}
          required
        />
        <p id="wallet-address-hint" class="hint">
          Your wallet signs a sign-in challenge for this address. No key enters this page.
        </p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary wide" disabled={busy || address.trim() === ''}>
          {busy ? 'Asking…' : 'Get a challenge'}
        </button>
      </form>
    )
  }

  const link = isWebUrl(walletUrl) ? walletSignatureUrl(walletUrl, challenge.message, challenge.address) : null
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void signIn(challenge)
      }}
    >
      <p class="signing-as">
        Signing in as <span class="mono">{challenge.address}</span>
        <button
          type="button"
          class="link-button"
          onClick={() => {
            setChallenge(null)
            setError(null)
          }}
        >
          Change
        </button>
      </p>
      <label for="challenge-text">Text to sign</label>
      <textarea id="challenge-text" class="mono" readOnly rows={4} value={challenge.message} />
      <label for="wallet-url">Your wallet’s local API</label>
      <input
        id="wallet-url"
        class="mono"
        type="url"
        autoComplete="off"
        spellcheck={false}
        value={walletUrl}
        onInput={(e) => setWalletUrl(e.currentTarget.value)}
        aria-describedby="wallet-url-hint"
        aria-invalid={link ? undefined : true}
      />
      <p id="wallet-url-hint" class={link ? 'hint' : 'error'}>
        {link ? 'The wallet must be running on this computer.' : `Enter the wallet’s web address, like ${DEFAULT_WALLET_URL}.`}
      </p>
      {link && (
        <a class="button secondary wide wallet-link" href={link} target="_blank" rel="noopener noreferrer">
          Open my wallet to sign (new tab)
        </a>
      )}
      <label for="wallet-signature">Signature</label>
      <textarea
        id="wallet-signature"
        class="mono"
        rows={3}
        spellcheck={false}
        placeholder="Paste what the wallet answered"
        value={signature}
        onInput={(e) => setSignature(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        required
      />
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => void askForChallenge()}>
          New challenge
        </button>
        <button type="submit" class="primary" disabled={busy || signature.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  )
}

/** Only an http(s) URL becomes the link: anything else (javascript:, a typo) would not reach a wallet. */
function isWebUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol)
  } catch {
    return false
  }
}
