import { useEffect, useState } from 'preact/hooks'
import type { NotificationPreferences } from '../sdk/client.js'
import { EmailDigestAddress } from './email-address.js'
import { PaneHeader } from './pane-header.js'
import type { WebClient } from './session.js'
import type { Notifications } from './use-notifications.js'
import { RequestOutcome } from './request-outcome.js'
import { useRequest } from './use-request.js'

/** How the caller is told of messages while not looking (docs/api.md §15): channels, quiet hours, this browser. */
export function NotificationSettings({ client, notifications }: { client: WebClient; notifications: Notifications }) {
  const { preferences } = notifications
  return (
    <section class="notification-settings" aria-labelledby="notifications-title">
      <PaneHeader>
        <h2 id="notifications-title">Notifications</h2>
      </PaneHeader>
      <div class="form">
        <ThisBrowser client={client} />
        {preferences === null ? (
          <p class="placeholder">Loading…</p>
        ) : (
          <>
            <Channels preferences={preferences} notifications={notifications} />
            <EmailDigestAddress client={client} />
            <QuietHours preferences={preferences} notifications={notifications} />
          </>
        )}
      </div>
    </section>
  )
}

type BrowserState = 'unsupported' | 'off' | 'on' | null

/** The Push API's subscription of this browser, kept at the server for the signed-in address. */
function ThisBrowser({ client }: { client: WebClient }) {
  const [state, setState] = useState<BrowserState>(null)
  const { busy, error, run } = useRequest()

  useEffect(() => {
    if (!navigator.serviceWorker || typeof PushManager === 'undefined') return setState('unsupported')
    navigator.serviceWorker.ready
      .then((registration) => registration.pushManager.getSubscription())
      .then((subscription) => setState(subscription ? 'on' : 'off'), () => setState('off'))
  }, [])

  const turnOn = () =>
    run(async () => {
      if ((await Notification.requestPermission()) !== 'granted') throw new Error("Notifications are blocked for this site in the browser's settings.")
      const registration = await navigator.serviceWorker.ready
      const { public_key } = await client.pushKey()
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(public_key) })
      const { endpoint, keys } = subscription.toJSON()
      await client.subscribePush({ endpoint: endpoint!, keys: { p256dh: keys!.p256dh!, auth: keys!.auth! } })
      setState('on')
    })

  const turnOff = () =>
    run(async () => {
      const subscription = await (await navigator.serviceWorker.ready).pushManager.getSubscription()
      if (subscription) {
        await client.unsubscribePush(subscription.endpoint).catch(() => {})
        await subscription.unsubscribe()
      }
      setState('off')
    })

  return (
    <section aria-labelledby="browser-title">
      <h3 id="browser-title">This browser</h3>
      {state === 'unsupported' ? (
        <p class="muted">This browser cannot receive notifications.</p>
      ) : state === 'on' ? (
        <>
          <p>Notifications of new messages come to this browser, even with the chat closed.</p>
          <button type="button" class="secondary" disabled={busy} onClick={turnOff}>
            Turn off in this browser
          </button>
        </>
      ) : (
        <>
          <p>Get a notification of each new message, even with the chat closed.</p>
          <button type="button" class="primary" disabled={busy || state === null} onClick={turnOn}>
            Turn on in this browser
          </button>
        </>
      )}
      <RequestOutcome error={error} />
    </section>
  )
}

const CHANNELS: { field: 'push' | 'email' | 'webhooks' | 'previews'; label: string }[] = [
  { field: 'push', label: 'Notifications in my browsers' },
  { field: 'email', label: 'E-mail digests of unread messages' },
  { field: 'webhooks', label: 'Deliveries to my webhooks' },
  { field: 'previews', label: 'Show the words of a message in notifications and digests' },
]

/** Each choice is saved as soon as it changes; a refusal shows the server's words and the box goes back. */
function Channels({ preferences, notifications }: { preferences: NotificationPreferences; notifications: Notifications }) {
  const { busy, error, run } = useRequest()
  const [digest, setDigest] = useState(String(preferences.digest_after_minutes))
  return (
    <section aria-labelledby="channels-title">
      <h3 id="channels-title">Channels</h3>
      {CHANNELS.map(({ field, label }) => (
        <label key={field} class="check">
          <input
            type="checkbox"
            checked={preferences[field]}
            disabled={busy}
            onChange={(event) => {
              const wanted = event.currentTarget.checked
              event.currentTarget.checked = preferences[field]
              void run(() => notifications.savePreferences({ [field]: wanted }))
            }}
          />
          {label}
        </label>
      ))}
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          void run(() => notifications.savePreferences({ digest_after_minutes: Number(digest) }))
        }}
      >
        <label for="digest-minutes">Minutes a message stays unread before a digest tells of it</label>
        <input id="digest-minutes" type="number" min={1} max={1440} required value={digest} onInput={(event) => setDigest(event.currentTarget.value)} />
        <button type="submit" class="secondary" disabled={busy}>
          Save
        </button>
      </form>
      <RequestOutcome error={error} />
    </section>
  )
}

/** A daily window without notifications, in the person's own time zone. */
function QuietHours({ preferences, notifications }: { preferences: NotificationPreferences; notifications: Notifications }) {
  const saved = preferences.quiet_hours
  const [quiet, setQuiet] = useState(saved ?? { start: '22:00', end: '07:00', time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone })
  const [on, setOn] = useState(saved !== null)
  const [status, setStatus] = useState('')
  const { busy, error, run } = useRequest()
  const field = (name: 'start' | 'end' | 'time_zone') => (event: { currentTarget: HTMLInputElement }) => setQuiet({ ...quiet, [name]: event.currentTarget.value })
  return (
    <section aria-labelledby="quiet-title">
      <h3 id="quiet-title">Quiet hours</h3>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          setStatus('')
          void run(async () => {
            await notifications.savePreferences({ quiet_hours: on ? quiet : null })
            setStatus('Saved.')
          })
        }}
      >
        <label class="check">
          <input type="checkbox" checked={on} onChange={(event) => setOn(event.currentTarget.checked)} />
          No notifications every day between
        </label>
        <div class="quiet-window">
          <label>
            From <input type="time" value={quiet.start} disabled={!on} required onInput={field('start')} />
          </label>
          <label>
            to <input type="time" value={quiet.end} disabled={!on} required onInput={field('end')} />
          </label>
          <label>
            Time zone <input value={quiet.time_zone} disabled={!on} required maxLength={64} onInput={field('time_zone')} />
          </label>
        </div>
        <p class="muted">Digests and webhook deliveries wait for the end of quiet hours; notifications are not sent.</p>
        <button type="submit" class="secondary" disabled={busy}>
          Save quiet hours
        </button>
      </form>
      <RequestOutcome error={error} status={status} />
    </section>
  )
}

/** The VAPID key as PushManager takes it. */
function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (character) => character.charCodeAt(0))
}
