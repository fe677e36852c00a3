import type { Notifications } from './use-notifications.js'
import { useRequest } from './use-request.js'

/** Mutes the thread on every channel (docs/api.md §15.1), or unmutes it. */
export function MuteAction({ uuid, notifications }: { uuid: string; notifications: Notifications }) {
  const { busy, error, run } = useRequest()
  const muted = notifications.muted.has(uuid)
  return (
    <>
      <button
        type="button"
        class="secondary"
        aria-pressed={muted}
        disabled={busy}
        title={muted ? 'Notifications of this chat are off' : 'Turn notifications of this chat off'}
        onClick={() => void run(() => notifications.setMuted(uuid, !muted))}
      >
        {muted ? 'Unmute' : 'Mute'}
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </>
  )
}
