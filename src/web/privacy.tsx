import { useEffect, useState } from 'preact/hooks'
import type { ConsentSettings } from '../sdk/client.js'
import { BlockedAddresses } from './blocked.js'
import { PaneHeader } from './pane-header.js'
import type { WebClient } from './session.js'
import type { Blocks } from './use-blocks.js'
import { RequestOutcome } from './request-outcome.js'
import { useRequest } from './use-request.js'

/** Who may reach the caller: message requests (docs/api.md §14) and blocks (§11). */
export function Privacy({ client, blocks, now }: { client: WebClient; blocks: Blocks; now: number }) {
  return (
    <section class="privacy" aria-labelledby="privacy-title">
      <PaneHeader>
        <h2 id="privacy-title">Privacy</h2>
      </PaneHeader>
      <div class="form">
        <MessageRequestSettings client={client} />
        <BlockedAddresses blocks={blocks} now={now} />
      </div>
    </section>
  )
}

const CHOICES: { field: keyof ConsentSettings; label: string }[] = [
  { field: 'message_requests', label: 'New chats from others wait under Requests until I accept them' },
  { field: 'shop_requests', label: 'Chats that buyers open with my shops wait there too' },
]

/** Each choice is saved as soon as it changes; a refusal shows the server's words and the box goes back. */
function MessageRequestSettings({ client }: { client: WebClient }) {
  const [settings, setSettings] = useState<ConsentSettings | null>(null)
  const [status, setStatus] = useState('')
  const { busy, error, run } = useRequest()

  useEffect(() => {
    void run(async () => setSettings(await client.consentSettings()))
  }, [client])

  const change = (field: keyof ConsentSettings, value: boolean) =>
    run(async () => {
      setStatus('')
      setSettings(await client.updateConsentSettings({ [field]: value }))
      setStatus('Saved. It applies to chats opened from now on.')
    })

  return (
    <section aria-labelledby="requests-title">
      <h3 id="requests-title">Message requests</h3>
      {settings === null ? (
        !error && <p class="placeholder">Loading…</p>
      ) : (
        CHOICES.map(({ field, label }) => (
          <label key={field} class="check">
            <input
              type="checkbox"
              checked={settings[field]}
              disabled={busy}
              onChange={(event) => {
                const wanted = event.currentTarget.checked
                // Shown as saved only once the server has it.
                event.currentTarget.checked = settings[field]
                void change(field, wanted)
              }}
            />
            {label}
          </label>
        ))
      )}
      <RequestOutcome error={error} status={status} />
    </section>
  )
}
