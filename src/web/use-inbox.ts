import { useEffect, useRef, useState } from 'preact/hooks'
import type { Thread } from '../sdk/client.js'
import type { Live } from './live.js'
import { errorText, type WebClient } from './session.js'

const PAGE_SIZE = 100
const RELOAD_DELAY_MS = 150

/** The inbox's lists: the chats the caller accepted, and the message requests waiting for them (docs/api.md §14). */
export const FOLDERS = ['accepted', 'request'] as const
export type Folder = (typeof FOLDERS)[number]

interface FolderList {
  threads: Thread[]
  /** How many the server holds, loaded or not. */
  count: number
  nextPage: number | null
}

type Folders = Record<Folder, FolderList>

export interface InboxFolder {
  /** Most recently updated first; null until loaded. */
  threads: Thread[] | null
  count: number
  hasMore: boolean
  loadMore(): Promise<void>
}

export interface Inbox {
  folders: Record<Folder, InboxFolder>
  error: string | null
  /** The caller has read `uuid` here: its badge goes at once, before any event. */
  markSeen(uuid: string): void
  /** A thread this page made or found, shown in its folder before the next reload. */
  upsert(thread: Thread): void
  /** Fetches the lists again: for changes no event reports (a block hides threads). */
  reload(): void
}

function folderOf(folders: Folders, uuid: string): Folder | undefined {
  return FOLDERS.find((folder) => folders[folder].threads.some((thread) => thread.uuid === uuid))
}

/**
 * The signed-in address's chats and message requests, each most recently updated first, kept
 * current by the stream: a message moves its thread to the top of its folder (and counts as
 * unread unless it is being read here); anything the events do not fully describe (a new
 * thread, an accepted or declined request) reloads both.
 */
export function useInbox(client: WebClient, live: Live, openUuid: string | null): Inbox {
  const [folders, setFolders] = useState<Folders | null>(null)
  const [error, setError] = useState<string | null>(null)
  // Events read and change the lists between renders, so the latest lists live in a ref too.
  const latest = useRef<Folders | null>(null)
  const open = useRef(openUuid)
  open.current = openUuid
  const reloader = useRef(() => {})

  const update = (folder: Folder, change: (list: FolderList) => FolderList) => {
    if (latest.current === null) return
    latest.current = { ...latest.current, [folder]: change(latest.current[folder]) }
    setFolders(latest.current)
  }

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let generation = 0
    const reload = () => {
      clearTimeout(timer)
      timer = setTimeout(async () => {
        const mine = ++generation
        try {
          const pages = await Promise.all(FOLDERS.map((consent) => client.listThreads({ page: 1, page_size: PAGE_SIZE, consent })))
          if (mine !== generation) return
          const [accepted, request] = pages.map((page) => ({ threads: page.results, count: page.count, nextPage: page.next ? 2 : null }))
          latest.current = { accepted: accepted!, request: request! }
          setFolders(latest.current)
          setError(null)
        } catch (caught) {
          if (mine === generation) setError(errorText(caught))
        }
      }, RELOAD_DELAY_MS)
    }
    reloader.current = reload
    reload()
    const offStatus = live.onStatus((status) => {
      if (status === 'online') reload()
    })
    const offEvent = live.on((event) => {
      if (event.type === 'message') {
        const message = event.data
        const folder = latest.current && folderOf(latest.current, message.thread_uuid)
        const thread = folder && latest.current![folder].threads.find((t) => t.uuid === message.thread_uuid)
        // Without text, the preview is the server's word for the attachments ("Photo", "File");
        // one's own reply to a request accepts it, which moves it to the chats.
        if (!folder || !thread || message.content === '' || (folder === 'request' && message.sender === client.address)) return reload()
        const reading = open.current === thread.uuid && document.visibilityState === 'visible'
        const unread = message.sender !== client.address && !reading
        const moved: Thread = {
          ...thread,
          last_message: message.content,
          updated_at: message.timestamp,
          unread_count: thread.unread_count + (unread ? 1 : 0),
        }
        update(folder, (list) => ({ ...list, threads: [moved, ...list.threads.filter((t) => t.uuid !== thread.uuid)] }))
      } else if (event.type === 'read' && event.data.address === client.address && event.data.uuid === open.current) {
        markSeen(event.data.uuid)
      } else if (event.type === 'thread' || (event.type === 'read' && event.data.address === client.address)) {
        reload()
      }
    })
    return () => {
      clearTimeout(timer)
      generation++
      offStatus()
      offEvent()
    }
  }, [client, live])

  function markSeen(uuid: string) {
    const folder = latest.current && folderOf(latest.current, uuid)
    if (!folder) return
    update(folder, (list) => ({
      ...list,
      threads: list.threads.map((t) => (t.uuid === uuid && t.unread_count > 0 ? { ...t, unread_count: 0 } : t)),
    }))
  }

  const inboxFolder = (folder: Folder): InboxFolder => {
    const list = folders?.[folder]
    return {
      threads: list?.threads ?? null,
      count: list?.count ?? 0,
      hasMore: (list?.nextPage ?? null) !== null,
      async loadMore() {
        const page = list?.nextPage ?? null
        if (page === null) return
        try {
          const answer = await client.listThreads({ page, page_size: PAGE_SIZE, consent: folder })
          update(folder, (current) => {
            const seen = new Set(current.threads.map((t) => t.uuid))
            return { ...current, threads: [...current.threads, ...answer.results.filter((t) => !seen.has(t.uuid))], nextPage: answer.next ? page + 1 : null }
          })
        } catch (caught) {
          setError(errorText(caught))
        }
      },
    }
  }

  return {
    folders: { accepted: inboxFolder('accepted'), request: inboxFolder('request') },
    error,
    markSeen,
    upsert(thread) {
      // An existing thread (200) keeps its standing: it may be a request, or one the caller declined.
      if (thread.consent === 'declined') return
      update(thread.consent, (list) => ({ ...list, threads: [thread, ...list.threads.filter((t) => t.uuid !== thread.uuid)] }))
    },
    reload: () => reloader.current(),
  }
}
