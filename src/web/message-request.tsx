import type { Thread, ThreadDetail } from '../sdk/client.js'
import { Address } from './address.js'
import { BlockAction } from './blocked.js'
import type { WebClient } from './session.js'
import type { Blocks } from './use-blocks.js'
import { useRequest } from './use-request.js'

interface Props {
  client: WebClient
  thread: Thread
  /** Who opened the request, as far as the page can tell. */
  requester: string
  blocks: Blocks
  /** The server's answer to Accept: the thread as it now stands. */
  onAccepted: (thread: ThreadDetail) => void
  /** Declined or blocked: the chat leaves the caller's lists. */
  onLeft: () => void
}

/** Above a message request (or a declined one): the caller's three answers to it. Replying accepts too. */
export function RequestBanner({ client, thread, requester, blocks, onAccepted, onLeft }: Props) {
  const { busy, error, run } = useRequest()
  const declined = thread.consent === 'declined'
  return (
    <section class="notice request-banner" aria-labelledby="request-banner-text">
      <p id="request-banner-text">
        <Address address={requester} /> {declined ? 'wanted to message you. You declined.' : 'wants to message you.'}
      </p>
      <p class="hint">They cannot see whether you have read their messages until you accept. Replying accepts too.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions start">
        <button type="button" class="primary" disabled={busy} onClick={() => void run(async () => onAccepted(await client.acceptThread(thread.uuid)))}>
          Accept
        </button>
        {!declined && (
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await client.declineThread(thread.uuid)
                onLeft()
              })
            }
          >
            Decline
          </button>
        )}
        {!blocks.has(requester) && <BlockAction address={requester} blocks={blocks} onBlocked={onLeft} />}
      </div>
    </section>
  )
}
