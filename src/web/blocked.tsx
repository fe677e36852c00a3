import { useRef, useState } from 'preact/hooks'
import { Address, Avatar } from './address.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import { Popover } from './popover.js'
import type { Blocks } from './use-blocks.js'
import { useRequest } from './use-request.js'

/** The addresses the caller blocked, each with a way back (a part of the privacy page). */
export function BlockedAddresses({ blocks, now }: { blocks: Blocks; now: number }) {
  const [status, setStatus] = useState('')
  const { busy, error, run } = useRequest()
  const title = useRef<HTMLHeadingElement>(null)

  const unblock = (address: string) =>
    run(async () => {
      await blocks.unblock(address)
      setStatus(`Unblocked ${shortAddress(address)}.`)
      // Its row is gone; the heading keeps the keyboard's place in the page.
      title.current?.focus()
    })

  const { list } = blocks
  return (
    <section aria-labelledby="blocked-title">
      <h3 id="blocked-title" ref={title} tabIndex={-1}>
        Blocked addresses
      </h3>
      <p class="hint">
        They cannot message you, nor see you type or read. Your chats with them alone stay out of your inbox until you unblock them.
      </p>
      {(error ?? blocks.error) && (
        <p class="error" role="alert">
          {error ?? blocks.error}
        </p>
      )}
      <p class="muted" role="status">
        {status}
      </p>
      {list === null ? (
        <p class="placeholder">Loading…</p>
      ) : list.length === 0 ? (
        <p class="placeholder">You have blocked nobody.</p>
      ) : (
        <ul class="block-list">
          {list.map((block) => (
            <li key={block.address} class="block-item">
              <Avatar address={block.address} />
              <Address address={block.address} />
              <time class="muted" dateTime={block.created_at} title={fullTime(block.created_at)}>
                {relativeTime(block.created_at, now)}
              </time>
              <button
                type="button"
                class="secondary"
                aria-label={`Unblock ${block.address}`}
                disabled={busy}
                onClick={() => void unblock(block.address)}
              >
                Unblock
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/**
 * Blocks the other person of a two-person chat, after a second step: the chat then leaves
 * the inbox, which is easy to do by mistake and surprising to undo.
 */
export function BlockAction({ address, blocks, onBlocked }: { address: string; blocks: Blocks; onBlocked: () => void }) {
  const { busy, error, run, clear } = useRequest()
  const confirm = () =>
    run(async () => {
      await blocks.block(address)
      onBlocked()
    })

  return (
    <Popover label="Block" id="block-confirm" onClose={clear}>
      {(close) => (
        <>
          <p id="block-confirm-title">
            Block {shortAddress(address)}? They will no longer be able to message you, and this chat leaves your inbox until you unblock
            them.
          </p>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="actions">
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
              {busy ? 'Blocking…' : 'Yes, block'}
            </button>
          </div>
        </>
      )}
    </Popover>
  )
}

/** Said in a chat with someone the caller blocked, with the way to lift it. */
export function BlockedNotice({ address, group, blocks }: { address: string; group: boolean; blocks: Blocks }) {
  const { busy, error, run } = useRequest()
  return (
    <div class="notice blocked-notice" role="status">
      <p>
        You blocked <Address address={address} />. They cannot message you
        {group ? '.' : ', and this chat is hidden from your inbox.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="secondary" aria-label={`Unblock ${address}`} disabled={busy} onClick={() => void run(() => blocks.unblock(address))}>
        Unblock
      </button>
    </div>
  )
}
