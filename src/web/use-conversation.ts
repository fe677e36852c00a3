import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, type Attachment, type Message, type Thread, type ThreadDetail } from '../sdk/client.js'
import type { Live } from './live.js'
import { errorText, type WebClient } from './session.js'

const OLDER_PAGE = 50
/** The thread detail carries the latest 100; fewer means there is nothing older. */
const DETAIL_MESSAGES = 100
const READ_DELAY_MS = 250
const REFRESH_DELAY_MS = 200

/** A message typed here and not yet accepted by the server. */
export interface PendingMessage {
  client_id: string
  content: string
  /** Already uploaded; the message carries their ids. */
  attachments: Attachment[]
  failed: string | null
}

export interface Conversation {
  thread: Thread | null
  messages: Message[]
  pending: PendingMessage[]
  /** Why loading failed, if it did. */
  error: string | null
  /** The thread is gone for the caller, or never was (404). */
  missing: boolean
  /** Why the last send was refused (403: someone here blocked the caller, or a request's limit), in the server's words. */
  refusal: string | null
  hasOlder: boolean
  loadingOlder: boolean
  loadOlder(): Promise<void>
  send(content: string, attachments: Attachment[]): void
  retry(clientId: string): void
  discard(clientId: string): void
  /** The server answered with the thread as it now stands (an accepted request). */
  show(detail: ThreadDetail): void
}

/** 128 random bits; getRandomValues works on plain-http pages too, unlike randomUUID. */
function newClientId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function withoutFirst<T>(list: T[], match: (item: T) => boolean): T[] {
  const index = list.findIndex(match)
  return index === -1 ? list : [...list.slice(0, index), ...list.slice(index + 1)]
}

function attachmentIds(message: { attachments: readonly Attachment[] }): string[] {
  return message.attachments.map((attachment) => attachment.id)
}

/** The server's copy of a pending send: the same text and the same attachments. */
function isPendingCopy(message: Message) {
  const ids = attachmentIds(message).join()
  return (pending: PendingMessage) => !pending.failed && pending.content === message.content && attachmentIds(pending).join() === ids
}

/** Adds or replaces messages by id, keeping send order. */
function merge(list: Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]))
  for (const message of incoming) byId.set(message.id, message)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/**
 * One open thread: its latest messages, older ones on demand, sends that show at once and
 * can be retried (the same `client_id`, so a retry never duplicates), and the read marker
 * kept at the newest message while the page is visible. Mount it once per thread (keyed by uuid).
 */
export function useConversation(client: WebClient, live: Live, uuid: string, onSeen: (uuid: string) => void): Conversation {
  const [thread, setThread] = useState<Thread | null>(null)
  const [messages, setMessages] = useState<Message[]>([])
  const [pending, setPending] = useState<PendingMessage[]>([])
  const [error, setError] = useState<string | null>(null)
  const [missing, setMissing] = useState(false)
  const [refusal, setRefusal] = useState<string | null>(null)
  const [hasOlder, setHasOlder] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const seen = useRef(onSeen)
  seen.current = onSeen

  /** The detail is the truth for the shop, participants, consent and read ticks. */
  const show = (detail: ThreadDetail): Thread => {
    const { messages: latest, ...rest } = detail
    setThread(rest)
    setMessages((list) => merge(list, latest))
    return rest
  }

  useEffect(() => {
    let closed = false
    let unseen = false
    let readTimer: ReturnType<typeof setTimeout> | undefined
    let refreshTimer: ReturnType<typeof setTimeout> | undefined

    const markRead = () => {
      clearTimeout(readTimer)
      readTimer = setTimeout(() => {
        if (closed || document.visibilityState !== 'visible') return
        unseen = false
        seen.current(uuid)
        client.markRead(uuid).catch(() => {
          unseen = true
        })
      }, READ_DELAY_MS)
    }
    // Events say when to look again.
    const refresh = async (first: boolean) => {
      try {
        const detail = await client.getThread(uuid)
        if (closed) return
        const rest = show(detail)
        if (first) setHasOlder(detail.messages.length >= DETAIL_MESSAGES)
        setError(null)
        if (first || rest.unread_count > 0) markRead()
      } catch (caught) {
        if (closed) return
        if (caught instanceof ApiError && caught.status === 404) setMissing(true)
        else setError(errorText(caught))
      }
    }
    const refreshSoon = () => {
      clearTimeout(refreshTimer)
      refreshTimer = setTimeout(() => void refresh(false), REFRESH_DELAY_MS)
    }
    void refresh(true)

    const offStatus = live.onStatus((status) => {
      if (status === 'online') refreshSoon()
    })
    const offEvent = live.on((event) => {
      if (event.type === 'message') {
        if (event.data.thread_uuid !== uuid) return
        const message = event.data
        setMessages((list) => merge(list, [message]))
        // One's own message can come back on the stream before its POST answers: it replaces the pending copy.
        if (message.sender === client.address) setPending((list) => withoutFirst(list, isPendingCopy(message)))
        else {
          unseen = true
          markRead()
        }
      } else if (event.type === 'message_updated') {
        // An edit or a deletion replaces a message already shown; others' are news only if shown.
        if (event.data.thread_uuid === uuid) setMessages((list) => (list.some((m) => m.id === event.data.id) ? merge(list, [event.data]) : list))
      } else if (event.type === 'read' || event.type === 'thread') {
        if (event.data.uuid !== uuid) return
        if (event.type === 'thread' && event.data.action === 'deleted') setMissing(true)
        else if (event.type === 'thread' || event.data.address !== client.address) refreshSoon()
      }
    })
    const onVisible = () => {
      if (unseen && document.visibilityState === 'visible') markRead()
    }
    document.addEventListener('visibilitychange', onVisible)
    return () => {
      closed = true
      clearTimeout(readTimer)
      clearTimeout(refreshTimer)
      offStatus()
      offEvent()
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [client, live, uuid])

  const deliver = async (message: PendingMessage) => {
    try {
      const { message: sent } = await client.sendMessage(uuid, {
        content: message.content,
        client_id: message.client_id,
        attachments: attachmentIds(message),
      })
      setPending((list) => list.filter((p) => p.client_id !== message.client_id))
      setMessages((list) => merge(list, [sent]))
      setRefusal(null)
    } catch (caught) {
      // The web client never names another sender, so a refused send is about the conversation, not this message.
      if (caught instanceof ApiError && caught.status === 403) setRefusal(errorText(caught))
      setPending((list) => list.map((p) => (p.client_id === message.client_id ? { ...p, failed: errorText(caught) } : p)))
    }
  }

  return {
    thread,
    messages,
    pending,
    error,
    missing,
    refusal,
    hasOlder,
    loadingOlder,
    async loadOlder() {
      const oldest = messages[0]
      if (!oldest || loadingOlder) return
      setLoadingOlder(true)
      try {
        const page = await client.listMessages(uuid, { before: oldest.id, limit: OLDER_PAGE })
        setMessages((list) => merge(list, page.results))
        setHasOlder(page.previous !== null)
      } catch (caught) {
        setError(errorText(caught))
      } finally {
        setLoadingOlder(false)
      }
    },
    send(content, attachments) {
      const message = { client_id: newClientId(), content, attachments, failed: null }
      setPending((list) => [...list, message])
      void deliver(message)
    },
    retry(clientId) {
      const message = pending.find((p) => p.client_id === clientId)
      if (!message) return
      setPending((list) => list.map((p) => (p.client_id === clientId ? { ...p, failed: null } : p)))
      void deliver({ ...message, failed: null })
    },
    discard(clientId) {
      setPending((list) => list.filter((p) => p.client_id !== clientId))
    },
    show,
  }
}
