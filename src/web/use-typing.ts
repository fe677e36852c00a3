import { useEffect, useState } from 'preact/hooks'
import type { Live } from './live.js'

/** How long a typing notice shows; senders repeat it every few seconds while typing. */
const SHOWN_MS = 5000

/** Who is typing where: thread uuid → addresses, from `typing` events, cleared by their messages. */
export function useTyping(live: Live): ReadonlyMap<string, readonly string[]> {
  const [typing, setTyping] = useState<ReadonlyMap<string, readonly string[]>>(new Map())

  useEffect(() => {
    const until = new Map<string, number>() // "uuid address" → expiry
    let timer: ReturnType<typeof setTimeout> | undefined
    const publish = () => {
      const now = Date.now()
      const next = new Map<string, string[]>()
      for (const [key, expiry] of until) {
        if (expiry <= now) {
          until.delete(key)
          continue
        }
        const [uuid = '', address = ''] = key.split(' ')
        next.set(uuid, [...(next.get(uuid) ?? []), address])
      }
      setTyping(next)
      clearTimeout(timer)
      if (until.size > 0) timer = setTimeout(publish, Math.min(...until.values()) - now)
    }
    const off = live.on((event) => {
      if (event.type === 'typing') until.set(`${event.data.uuid} ${event.data.address}`, Date.now() + SHOWN_MS)
      else if (event.type !== 'message' || !until.delete(`${event.data.thread_uuid} ${event.data.sender}`)) return
      publish()
    })
    return () => {
      off()
      clearTimeout(timer)
    }
  }, [live])

  return typing
}
