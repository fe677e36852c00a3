import { useEffect, useRef, useState } from 'preact/hooks'
import type { Thread } from '../sdk/client.js'
import type { Live } from './live.js'
import { errorText, type WebClient } from './session.js'

const PAGE_SIZE = 100
const RELOAD_DELAY_MS = 150

export interface Inbox {
  threads: Thread[] | null
  error: string | null
  hasMore: boolean
  loadMore(): Promise<void>
  /** The caller has read `uuid` here: its badge goes at once, before any event. */
  markSeen(uuid: string): void
  /** A thread this page made or fetched, shown before the next reload. */
  upsert(thread: Thread): void
  /** Fetches the list again: for changes no event reports (a block hides threads). */
  reload(): void
}

/**
 * The signed-in address's threads, most recently updated first, kept current by the
 * stream: a message moves its thread to the top (and counts as unread unless it is being
 * read here); anything the events do not fully describe reloads the list.
 */
export function useInbox(client: WebClient, live: Live, openUuid: string | null): Inbox {
  const [threads, setThreads] = useState<Thread[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [nextPage, setNextPage] = useState<number | null>(null)
  // Events read and change the list between renders, so the latest list lives in a ref too.
  const latest = useRef<Thread[] | null>(null)
  const open = useRef(openUuid)
  open.current = openUuid
  const reloader = useRef(() => {})

  const update = (change: (list: Thread[]) => Thread[]) => {
    if (latest.current === null) return
    latest.current = change(latest.current)
    setThreads(latest.current)
  }

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let generation = 0
    const reload = () => {
      clearTimeout(timer)
      timer = setTimeout(async () => {
        const mine = ++generation
        try {
          const page = await client.listThreads({ page: 1, page_size: PAGE_SIZE })
          if (mine !== generation) return
          latest.current = page.results
          setThreads(page.results)
          setNextPage(page.next ? 2 : null)
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
        const thread = latest.current?.find((t) => t.uuid === message.thread_uuid)
        // Without text, the preview is the server's word for the attachments ("Photo", "File").
        if (!thread || message.content === '') return reload()
        const reading = open.current === thread.uuid && document.visibilityState === 'visible'
        const unread = message.sender !== client.address && !reading
        const moved: Thread = {
          ...thread,
          last_message: message.content,
          updated_at: message.timestamp,
          unread_count: thread.unread_count + (unread ? 1 : 0),
        }
        update((list) => [moved, ...list.filter((t) => t.uuid !== thread.uuid)])
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
    update((list) => list.map((t) => (t.uuid === uuid && t.unread_count > 0 ? { ...t, unread_count: 0 } : t)))
  }

  return {
    threads,
    error,
    hasMore: nextPage !== null,
    async loadMore() {
      if (nextPage === null) return
      try {
        const page = await client.listThreads({ page: nextPage, page_size: PAGE_SIZE })
        update((list) => {
          const seen = new Set(list.map((t) => t.uuid))
          return [...list, ...page.results.filter((t) => !seen.has(t.uuid))]
        })
        setNextPage(page.next ? nextPage + 1 : null)
      } catch (caught) {
        setError(errorText(caught))
      }
    },
    markSeen,
    upsert(thread) {
      update((list) => [thread, ...list.filter((t) => t.uuid !== thread.uuid)])
    },
    reload: () => reloader.current(),
  }
}
