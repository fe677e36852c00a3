import type { ComponentChildren } from 'preact'
import type { PagedList } from './use-paged-list.js'

interface Props<T> {
  list: PagedList<T>
  /** Said when the list has nothing. */
  empty: string
  /** Names the page links for screen readers ("Report pages"). */
  label: string
  children: (items: T[]) => ComponentChildren
}

/** One page of a list, what went wrong loading it, and previous and next when it has more than one. */
export function PagedItems<T>({ list, empty, label, children }: Props<T>) {
  return (
    <>
      {list.error && (
        <p class="error" role="alert">
          {list.error}
        </p>
      )}
      {list.items === null ? (
        !list.error && <p class="placeholder">Loading…</p>
      ) : list.items.length === 0 ? (
        <p class="placeholder">{empty}</p>
      ) : (
        children(list.items)
      )}
      {list.pages > 1 && (
        <nav class="pager" aria-label={label}>
          <button type="button" class="secondary" disabled={list.page <= 1} onClick={() => list.go(list.page - 1)}>
            Previous
          </button>
          <span aria-live="polite">
            Page {list.page} of {list.pages}
          </span>
          <button type="button" class="secondary" disabled={list.page >= list.pages} onClick={() => list.go(list.page + 1)}>
            Next
          </button>
        </nav>
      )}
    </>
  )
}
