import { Fragment } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Message } from '../sdk/client.js'
import { Address, Avatar } from './address.js'
import { AttachmentList } from './attachments.js'
import { BlockAction, BlockedNotice } from './blocked.js'
import { Composer } from './composer.js'
import { clockTime, dayLabel, fullTime, shortAddress } from './format.js'
import { Icon, type IconName } from './icons.js'
import { others } from './inbox.js'
import { RequestBanner } from './message-request.js'
import { MuteAction } from './mute-action.js'
import { PaneHeader } from './pane-header.js'
import { ReportAction } from './report-action.js'
import type { Live } from './live.js'
import type { PageConfig } from './page-config.js'
import type { WebClient } from './session.js'
import type { Blocks } from './use-blocks.js'
import type { Notifications } from './use-notifications.js'
import { useConversation, type PendingMessage } from './use-conversation.js'
import { useUploads } from './use-uploads.js'

interface Props {
  client: WebClient & { address: string }
  live: Live
  uuid: string
  config: PageConfig
  typing: readonly string[] | undefined
  onSeen: (uuid: string) => void
  blocks: Blocks
  notifications: Notifications
  /** The caller blocked the other person or declined the request here: the chat leaves the inbox, so it closes. */
  onLeft: () => void
  /** The caller accepted or declined the request: it moves between the inbox's folders. */
  onConsentChanged: () => void
}

/** Near enough to the bottom to follow new messages rather than keep one's place. */
const FOLLOW_PX = 80

/** A drag that carries files, not text or a link from the page. */
function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false
}

/** One thread: header, messages (older on demand), who is typing, and the composer; files dropped on it are attached. */
export function Conversation({ client, live, uuid, config, typing, onSeen, blocks, notifications, onLeft, onConsentChanged }: Props) {
  const conversation = useConversation(client, live, uuid, onSeen)
  const uploads = useUploads(client, uuid, config.maxAttachmentBytes)
  const [dropping, setDropping] = useState(false)
  const { thread, messages, pending } = conversation
  const me = client.address
  const list = useRef<HTMLDivElement>(null)
  const scroll = useRef({ first: 0, last: 0, pending: 0, height: 0, follow: true })

  // New messages keep the view at the bottom (if it was there, or they are one's own);
  // older ones keep one's place.
  useLayoutEffect(() => {
    const element = list.current
    if (!element) return
    const state = scroll.current
    const first = messages[0]?.id ?? 0
    const last = messages.at(-1)?.id ?? 0
    const olderOnly = first < state.first && last === state.last
    const ownNew = pending.length > state.pending || (last > state.last && messages.at(-1)?.sender === me)
    if (olderOnly) element.scrollTop += element.scrollHeight - state.height
    else if (state.follow || ownNew) element.scrollTop = element.scrollHeight
    Object.assign(state, { first, last, pending: pending.length, height: element.scrollHeight })
  }, [messages, pending])

  if (conversation.missing) {
    return (
      <section class="conversation empty" aria-label="Conversation">
        <p class="placeholder">This chat does not exist, or it was deleted.</p>
        <a href="#/">Back to chats</a>
      </section>
    )
  }

  const people = thread ? others(thread, me) : []
  const group = (thread?.participants.length ?? 0) > 2
  const request = thread !== null && thread.consent !== 'accepted'
  // The thread says not who opened it; the first to write did, as far as the page can tell.
  const requester = messages.find((message) => message.sender !== me)?.sender ?? people[0]
  // Blocking is offered for a chat with one other person (a request's banner offers its own); in a group it would hide nothing.
  const blockable =
    !request && thread?.participants.length === 2 && blocks.list !== null && !blocks.has(people[0]!) ? people[0] : undefined
  return (
    <section
      class={`conversation${dropping ? ' dropping' : ''}`}
      aria-labelledby="conversation-title"
      onDragOver={(event) => {
        if (!thread || !carriesFiles(event)) return
        event.preventDefault()
        setDropping(true)
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false)
      }}
      onDrop={(event) => {
        setDropping(false)
        if (!thread || !carriesFiles(event)) return
        event.preventDefault()
        uploads.add([...(event.dataTransfer?.files ?? [])])
      }}
    >
      <PaneHeader>
        {people[0] && <Avatar address={people[0]} />}
        <h2 id="conversation-title" class="people">
          {thread ? (
            people.map((address) => <Address key={address} address={address} />)
          ) : (
            <span class="placeholder">Loading…</span>
          )}
        </h2>
        {thread?.shop && (
          <span class="shop-badge" title={thread.shop.url}>
            {thread.shop.name}
          </span>
        )}
        {thread && <MuteAction uuid={uuid} notifications={notifications} />}
        {thread && <ReportAction client={client} uuid={uuid} />}
        {blockable && <BlockAction key={blockable} address={blockable} blocks={blocks} onBlocked={onLeft} />}
      </PaneHeader>
      {request && requester && (
        <RequestBanner
          client={client}
          thread={thread}
          requester={requester}
          blocks={blocks}
          onAccepted={(detail) => {
            conversation.show(detail)
            onConsentChanged()
          }}
          onLeft={() => {
            onConsentChanged()
            onLeft()
          }}
        />
      )}
      {people.filter(blocks.has).map((address) => (
        <BlockedNotice key={address} address={address} group={group} blocks={blocks} />
      ))}
      <div
        class="messages"
        ref={list}
        tabIndex={0}
        role="log"
        aria-label="Messages"
        onScroll={(event) => {
          const element = event.currentTarget
          scroll.current.follow = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_PX
        }}
      >
        {conversation.hasOlder && (
          <button type="button" class="secondary load-older" disabled={conversation.loadingOlder} onClick={() => void conversation.loadOlder()}>
            {conversation.loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        )}
        {conversation.error && (
          <p class="error" role="alert">
            {conversation.error}
          </p>
        )}
        {thread && messages.length === 0 && pending.length === 0 && <p class="placeholder">No messages yet. Say hello.</p>}
        <ol class="message-list">
          {messages.map((message, i) => (
            <Fragment key={message.id}>
              {(i === 0 || dayLabel(messages[i - 1]!.timestamp) !== dayLabel(message.timestamp)) && (
                <li class="day">
                  {dayLabel(message.timestamp)}
                </li>
              )}
              <Bubble message={message} mine={message.sender === me} group={group} />
            </Fragment>
          ))}
          {pending.map((message) => (
            <PendingBubble key={message.client_id} message={message} conversation={conversation} />
          ))}
        </ol>
      </div>
      <p class="typing" aria-live="polite">
        {typing && typing.length > 0 ? `${typing.map(shortAddress).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : ''}
      </p>
      <Composer
        maxLength={config.maxMessageLength}
        uploads={uploads}
        onSend={conversation.send}
        onTyping={() => live.typing(uuid)}
        disabled={!thread}
        notice={conversation.refusal}
      />
    </section>
  )
}

function Bubble({ message, mine, group }: { message: Message; mine: boolean; group: boolean }) {
  return (
    <li class={`bubble-row ${mine ? 'mine' : 'theirs'}`} data-id={message.id}>
      <div class="bubble">
        {group && !mine && (
          <span class="sender" title={message.sender}>
            {shortAddress(message.sender)}
          </span>
        )}
        {message.attachments.length > 0 && <AttachmentList attachments={message.attachments} />}
        {message.content && <p class="content">{message.content}</p>}
        {message.deleted_by && (
          <p class="content tombstone">{message.deleted_by === 'moderator' ? 'Message removed by moderators' : 'Message deleted'}</p>
        )}
        <span class="meta">
          {message.edited_at && <span class="edited" title={`Edited ${fullTime(message.edited_at)}`}>edited</span>}
          <time dateTime={message.timestamp} title={fullTime(message.timestamp)}>
            {clockTime(message.timestamp)}
          </time>
          {mine && <Tick state={message.is_read ? 'read' : 'sent'} />}
        </span>
      </div>
    </li>
  )
}

function PendingBubble({ message, conversation }: { message: PendingMessage; conversation: ReturnType<typeof useConversation> }) {
  return (
    <li class={`bubble-row mine${message.failed ? ' failed' : ' sending'}`}>
      <div class="bubble">
        {message.attachments.length > 0 && <AttachmentList attachments={message.attachments} />}
        {message.content && <p class="content">{message.content}</p>}
        <span class="meta">
          {message.failed ? (
            <>
              <span class="send-error" role="alert">
                Not sent: {message.failed}
              </span>
              <button type="button" class="link-button" onClick={() => conversation.retry(message.client_id)}>
                Retry
              </button>
              <button type="button" class="link-button" onClick={() => conversation.discard(message.client_id)}>
                Discard
              </button>
            </>
          ) : (
            <Tick state="sending" />
          )}
        </span>
      </div>
    </li>
  )
}

const TICKS: Record<'sending' | 'sent' | 'read', { icon: IconName; text: string }> = {
  sending: { icon: 'clock', text: 'Sending' },
  sent: { icon: 'check', text: 'Sent' },
  read: { icon: 'checks', text: 'Read' },
}

function Tick({ state }: { state: keyof typeof TICKS }) {
  return (
    <span class={`tick ${state}`} data-state={state}>
      <Icon name={TICKS[state].icon} />
      <span class="visually-hidden">{TICKS[state].text}</span>
    </span>
  )
}
