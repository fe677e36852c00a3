import type { Thread } from '../sdk/client.js'
import { Avatar, CopyButton } from './address.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import type { Inbox as InboxState } from './use-inbox.js'

interface Props {
  inbox: InboxState
  me: string
  openUuid: string | null
  typing: ReadonlyMap<string, readonly string[]>
  /** Re-renders relative times. */
  now: number
}

export function others(thread: Thread, me: string): string[] {
  const rest = thread.participants.filter((address) => address !== me)
  return rest.length > 0 ? rest : [me]
}

/** The caller's threads, most recent first, each a link to its conversation. */
export function Inbox({ inbox, me, openUuid, typing, now }: Props) {
  const { threads, error } = inbox
  return (
    <nav class="inbox" aria-label="Chats">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {threads === null ? (
        <p class="placeholder">Loading chats…</p>
      ) : threads.length === 0 ? (
        <p class="placeholder">No chats yet. Start one with “New chat”.</p>
      ) : (
        <ul class="thread-list">
          {threads.map((thread) => (
            <ThreadItem key={thread.uuid} thread={thread} me={me} open={thread.uuid === openUuid} typing={typing.get(thread.uuid)} now={now} />
          ))}
        </ul>
      )}
      {inbox.hasMore && (
        <button type="button" class="secondary wide" onClick={() => void inbox.loadMore()}>
          Show more chats
        </button>
      )}
    </nav>
  )
}

function ThreadItem({ thread, me, open, typing, now }: { thread: Thread; me: string; open: boolean; typing?: readonly string[]; now: number }) {
  const people = others(thread, me)
  const unread = thread.unread_count
  const describedBy = `thread-${thread.uuid}`
  return (
    <li class={`thread-item${open ? ' open' : ''}${unread > 0 ? ' unread' : ''}`}>
      <Avatar address={people[0]!} />
      <div class="thread-top">
        <a class="thread-link" href={`#/t/${thread.uuid}`} aria-current={open ? 'page' : undefined} aria-describedby={describedBy}>
          {people.map(shortAddress).join(', ')}
        </a>
        {people.map((address) => (
          <CopyButton key={address} text={address} label={`address ${address}`} />
        ))}
        {thread.shop && <span class="shop-badge">{thread.shop.name}</span>}
        <time class="thread-time" dateTime={thread.updated_at} title={fullTime(thread.updated_at)}>
          {relativeTime(thread.updated_at, now)}
        </time>
      </div>
      <div class="thread-bottom" id={describedBy}>
        <span class={`preview${typing ? ' typing' : ''}`}>
          {typing ? 'typing…' : (thread.last_message ?? 'No messages yet')}
        </span>
        {unread > 0 && (
          <span class="unread-badge">
            {unread > 99 ? '99+' : unread}
            <span class="visually-hidden"> unread</span>
          </span>
        )}
      </div>
    </li>
  )
}
