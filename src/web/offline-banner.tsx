import type { LiveStatus } from './live.js'

/** Says so while live updates are not arriving; the stream reconnects by itself. */
export function OfflineBanner({ status }: { status: LiveStatus }) {
  return (
    <div class="offline-banner" role="status" hidden={status !== 'offline'}>
      {status === 'offline' ? 'Connection lost. Reconnecting…' : ''}
    </div>
  )
}
