import { useEffect, useState } from 'preact/hooks'
import { ApiError, type EmailAddress } from '../sdk/client.js'
import { RequestOutcome } from './request-outcome.js'
import type { WebClient } from './session.js'
import { useRequest } from './use-request.js'

/** What the server holds: an address (verified or not), none yet, or e-mail off on this server. */
type Bound = EmailAddress | 'none' | 'off' | null

/** The address digests go to (docs/api.md §15.4); nothing shows on a server without e-mail. */
export function EmailDigestAddress({ client }: { client: WebClient }) {
  const [bound, setBound] = useState<Bound>(null)
  const [email, setEmail] = useState('')
  const [status, setStatus] = useState('')
  const { busy, error, run } = useRequest()

  useEffect(() => {
    // A 404 is "no address yet", or "no e-mail on this server" (then the section stays away).
    client.emailAddress().then(setBound, (caught: unknown) => setBound(caught instanceof ApiError && caught.status === 404 && !isEmailOff(caught) ? 'none' : 'off'))
  }, [client])

  if (bound === null || bound === 'off') return null
  return (
    <section aria-labelledby="email-title">
      <h3 id="email-title">E-mail digests</h3>
      {bound === 'none' ? (
        <p>No address yet: add one to get a digest of messages you have not read.</p>
      ) : (
        <p>
          Digests go to <strong>{bound.email}</strong>
          {bound.verified ? '.' : ' once you open the link we sent there.'}
        </p>
      )}
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          setStatus('')
          void run(async () => {
            const address = await client.bindEmail(email)
            setBound(address)
            setStatus(address.verified ? 'This address is verified already.' : `We sent a link to ${email}: open it to start the digests.`)
            setEmail('')
          })
        }}
      >
        <label for="email-address">{bound === 'none' ? 'E-mail address' : 'Another address'}</label>
        <input id="email-address" type="email" required maxLength={254} value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        <button type="submit" class="secondary" disabled={busy}>
          Send the link
        </button>
      </form>
      {bound !== 'none' && (
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await client.removeEmail()
              setBound('none')
              setStatus('The address is removed.')
            })
          }
        >
          Remove the address
        </button>
      )}
      <RequestOutcome error={error} status={status} />
    </section>
  )
}

function isEmailOff(error: ApiError): boolean {
  return error.body.detail === 'E-mail is not enabled on this server.'
}
