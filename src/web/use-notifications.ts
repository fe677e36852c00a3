import { useEffect, useRef, useState } from 'preact/hooks'
import type { Message, NotificationPreferences } from '../sdk/client.js'
import { shortAddress } from './format.js'
import type { Live } from './live.js'
import type { WebClient } from './session.js'

/** The server's largest page; a person rarely mutes more threads than that. */
const PAGE_SIZE = 100
/** What a notice shows of a message's words when previews are on, as a push does (docs/api.md §15.3). */
const PREVIEW_LENGTH = 240

export interface Notifications {
  /** Null until loaded. */
  preferences: NotificationPreferences | null
  muted: ReadonlySet<string>
  /** Throw what the server refused, for the caller to show where it was asked. */
  savePreferences(patch: Partial<NotificationPreferences>): Promise<void>
  setMuted(uuid: string, muted: boolean): Promise<void>
}

/**
 * The caller's notification preferences and mutes, honoured in this tab too: while the tab is
 * hidden, a message from someone else shows a system notification (through the service worker,
 * whose click opens the thread), unless push is off, the thread muted or quiet hours on. The
 * service worker is registered here; it shows the server's pushes while no tab is open.
 */
export function useNotifications(client: WebClient & { address: string }, live: Live): Notifications {
  const [preferences, setPreferences] = useState<NotificationPreferences | null>(null)
  const [muted, setMutedSet] = useState<ReadonlySet<string>>(new Set())
  const latest = useRef({ preferences, muted })
  latest.current = { preferences, muted }

  useEffect(() => {
    let closed = false
    const load = async () => {
      const threads: string[] = []
      for (let page = 1; ; page++) {
        const answer = await client.listMutes({ page, page_size: PAGE_SIZE })
        threads.push(...answer.results.map((mute) => mute.thread))
        if (!answer.next) break
      }
      const loaded = await client.notificationPreferences()
      if (closed) return
      setMutedSet(new Set(threads))
      setPreferences(loaded)
    }
    // Without them the tab shows no notices; the settings page says what failed when opened.
    load().catch(() => {})
    return () => {
      closed = true
    }
  }, [client])

  useEffect(() => {
    const worker = navigator.serviceWorker
    if (!worker) return
    worker.register('/sw.js').catch(() => {})
    const onMessage = (event: MessageEvent<{ type?: string; thread?: string }>) => {
      if (event.data?.type === 'open-thread' && typeof event.data.thread === 'string') location.hash = `#/t/${event.data.thread}`
    }
    worker.addEventListener('message', onMessage)
    return () => worker.removeEventListener('message', onMessage)
  }, [])

  useEffect(
    () =>
      live.on((event) => {
        if (event.type !== 'message' || event.data.sender === client.address || document.visibilityState !== 'hidden') return
        const { preferences: chosen, muted: silenced } = latest.current
        if (!chosen?.push || silenced.has(event.data.thread_uuid) || inQuietHours(chosen, new Date())) return
        void notify(event.data, chosen.previews)
      }),
    [live],
  )

  return {
    preferences,
    muted,
    async savePreferences(patch) {
      setPreferences(await client.updateNotificationPreferences(patch))
    },
    async setMuted(uuid, mute) {
      if (mute) await client.muteThread(uuid)
      else await client.unmuteThread(uuid)
      setMutedSet((before) => {
        const after = new Set(before)
        if (mute) after.add(uuid)
        else after.delete(uuid)
        return after
      })
    },
  }
}

/** Shows the notice as the service worker shows a push: same title, body, tag and click. */
async function notify(message: Message, previews: boolean): Promise<void> {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !navigator.serviceWorker) return
  const registration = await navigator.serviceWorker.getRegistration()
  const words = [...message.content.trim()]
  const preview = words.length > PREVIEW_LENGTH ? `${words.slice(0, PREVIEW_LENGTH - 1).join('')}…` : words.join('')
  await registration?.showNotification(`New message from ${shortAddress(message.sender)}`, {
    body: previews ? preview || attachmentsSent(message.attachments.length) : 'Open VFX Chat to read it.',
    icon: '/favicon.svg',
    tag: `thread:${message.thread_uuid}`,
    data: { thread: message.thread_uuid },
  })
}

function attachmentsSent(count: number): string {
  return count === 0 ? 'Open VFX Chat to read it.' : `Sent ${count === 1 ? 'an attachment' : `${count} attachments`}.`
}

/** Whether `now` falls in the person's daily quiet window, in their time zone (it may run over midnight). */
function inQuietHours(preferences: NotificationPreferences, now: Date): boolean {
  const quiet = preferences.quiet_hours
  if (!quiet) return false
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: quiet.time_zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now)
  return quiet.start < quiet.end ? time >= quiet.start && time < quiet.end : time >= quiet.start || time < quiet.end
}
