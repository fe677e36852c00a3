import type { Thread } from '../sdk/client.js'
import { Avatar, CopyButton } from './address.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import type { Folder, Inbox as InboxState } from './use-inbox.js'

interface Props {
  inbox: InboxState
  folder: Folder
  onFolder: (folder: Folder) => void
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

/** The caller's chats or message requests, most recent first, each a link to its conversation. */
export function Inbox({ inbox, folder, onFolder, me, openUuid, typing, now }: Props) {
  const { error } = inbox
  const shown = inbox.folders[folder]
  const { threads } = shown
  const requests = inbox.folders.request.count
  return (
    <nav class="inbox" aria-label={folder === 'request' ? 'Message requests' : 'Chats'}>
      <div class="folders" role="group" aria-label="Folders">
        <button type="button" aria-pressed={folder === 'accepted'} onClick={() => onFolder('accepted')}>
          Chats
        </button>
        <button type="button" aria-pressed={folder === 'request'} onClick={() => onFolder('request')}>
          Requests
          {requests > 0 && (
            <span class="unread-badge">
              {requests}
              <span class="visually-hidden"> waiting</span>
            </span>
          )}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {threads === null ? (
        <p class="placeholder">Loading chats…</p>
      ) : threads.length === 0 ? (
        <p class="placeholder">{folder === 'request' ? 'No message requests.' : 'No chats yet. Start one with “New chat”.'}</p>
      ) : (
        <ul class="thread-list">
          {threads.map((thread) => (
            <ThreadItem key={thread.uuid} thread={thread} me={me} open={thread.uuid === openUuid} typing={typing.get(thread.uuid)} now={now} />
          ))}
        </ul>
      )}
      {shown.hasMore && (
        <button type="button" class="secondary wide" onClick={() => void shown.loadMore()}>
          {folder === 'request' ? 'Show more requests' : 'Show more chats'}
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
