import { useEffect, useState } from 'preact/hooks'
import { ApiError, type Page } from '../sdk/client.js'
import { errorText } from './session.js'

/** The server's default page; the moderation lists are read a page at a time, as the API serves them. */
export const PAGE_SIZE = 20

export interface PagedList<T> {
  /** The current page's items; null while it loads. */
  items: T[] | null
  error: string | null
  /** From 1. */
  page: number
  pages: number
  count: number
  go(page: number): void
  reload(): void
}

/**
 * One DRF page of a list (docs/api.md §5) with its place among the others. A page that no
 * longer exists (404 after items went away) falls back to the page before it.
 * `load` is called again whenever one of `inputs` changes, from the first page.
 */
export function usePagedList<T>(load: (page: number) => Promise<Page<T>>, inputs: readonly unknown[]): PagedList<T> {
  const [page, setPage] = useState(1)
  const [generation, setGeneration] = useState(0)
  const [answer, setAnswer] = useState<Page<T> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    setPage(1)
    setAnswer(null)
  }, inputs)

  useEffect(() => {
    let closed = false
    setError(null)
    load(page).then(
      (next) => {
        if (!closed) setAnswer(next)
      },
      (caught: unknown) => {
        if (closed) return
        if (caught instanceof ApiError && caught.status === 404 && page > 1) setPage(page - 1)
        else setError(errorText(caught))
      },
    )
    return () => {
      closed = true
    }
  }, [page, generation, ...inputs])

  const count = answer?.count ?? 0
  return {
    items: answer?.results ?? null,
    error,
    page,
    pages: Math.max(1, Math.ceil(count / PAGE_SIZE)),
    count,
    go: setPage,
    reload: () => setGeneration((n) => n + 1),
  }
}
