/** A page of rows as `limit` and `offset`, read in the query's order or in the reverse order. */
export interface PageWindow {
  /** Read in reverse order (then turned back): the page lies nearer the end. */
  reversed: boolean
  limit: number
  offset: number
}

/**
 * The page of `limit` rows from `offset` in `count` rows, read from whichever end is nearer:
 * an OFFSET walks every row it skips, so the last page of a deep thread or a big inbox read
 * from the front walks them all, and read from the back walks none.
 *
 * ```ts
 * pageFromNearerEnd(100_000, 20, 99_980) // { reversed: true, limit: 20, offset: 0 }
 * ```
 */
export function pageFromNearerEnd(count: number, limit: number, offset: number): PageWindow {
  const end = Math.min(offset + limit, count)
  const fromEnd = count - end
  if (offset >= count || fromEnd >= offset) return { reversed: false, limit, offset }
  return { reversed: true, limit: end - offset, offset: fromEnd }
}
