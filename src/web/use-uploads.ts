import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, type Attachment } from '../sdk/client.js'
import { fileSize } from './format.js'
import { errorText, type WebClient } from './session.js'

/** The server takes at most this many attachments on one message. */
export const MAX_ATTACHMENTS = 10

/** A file on its way to the thread, before a message carries it. */
export interface Upload {
  key: number
  name: string
  sent: number
  total: number
  attachment: Attachment | null
  failed: string | null
}

export interface Uploads {
  list: Upload[]
  /** Why some files were not taken, if they were not. */
  notice: string | null
  add(files: readonly File[]): void
  remove(key: number): void
  /** Hands the uploaded attachments over to a message; they leave the list. */
  take(): Attachment[]
}

/** A refusal in the server's words: too large, unreadable, or the day's quota (whose 429 says which). */
function refusalText(error: unknown): string {
  if (error instanceof ApiError && error.status === 429 && typeof error.body.detail === 'string') return error.body.detail
  return errorText(error)
}

/**
 * The files chosen, dropped or pasted for the next message of one thread, each uploading at
 * once with its progress. A removed or abandoned upload is aborted. Mount it once per thread.
 */
export function useUploads(client: WebClient, uuid: string, maxBytes: number): Uploads {
  const [list, setList] = useState<Upload[]>([])
  const [notice, setNotice] = useState<string | null>(null)
  const nextKey = useRef(0)
  const running = useRef(new Map<number, AbortController>())

  useEffect(() => {
    const uploads = running.current
    return () => {
      for (const controller of uploads.values()) controller.abort()
    }
  }, [])

  const start = (file: File) => {
    const key = nextKey.current++
    const update = (change: Partial<Upload>) => setList((uploads) => uploads.map((u) => (u.key === key ? { ...u, ...change } : u)))
    // Refused here as the server would, without sending megabytes it would cut off.
    const tooLarge = file.size > maxBytes ? `File is too large (limit ${fileSize(maxBytes)}).` : null
    setList((uploads) => [...uploads, { key, name: file.name, sent: 0, total: file.size, attachment: null, failed: tooLarge }])
    if (tooLarge) return
    const controller = new AbortController()
    running.current.set(key, controller)
    client
      .uploadAttachment(uuid, file, file.name, { signal: controller.signal, onProgress: (sent) => update({ sent }) })
      .then((attachment) => update({ attachment }))
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) update({ failed: refusalText(caught) })
      })
      .finally(() => running.current.delete(key))
  }

  return {
    list,
    notice,
    add(files) {
      const taken = files.slice(0, Math.max(0, MAX_ATTACHMENTS - list.length))
      setNotice(taken.length < files.length ? `A message takes at most ${MAX_ATTACHMENTS} files.` : null)
      taken.forEach(start)
    },
    remove(key) {
      running.current.get(key)?.abort()
      setList((uploads) => uploads.filter((u) => u.key !== key))
      setNotice(null)
    },
    take() {
      setList((uploads) => uploads.filter((u) => !u.attachment))
      setNotice(null)
      return list.flatMap((u) => (u.attachment ? [u.attachment] : []))
    },
  }
}
