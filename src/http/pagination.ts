import type { FastifyRequest } from 'fastify'
import { NotFound } from '../domain/errors.js'

const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100

export interface PageRequest {
  page: number
  limit: number
  offset: number
}

/**
 * Page-number pagination as Django REST Framework does it: a page that is not a positive
 * number is 404 "Invalid page."; a bad page_size falls back to the default, a large one to
 * the maximum.
 */
export function pageRequest(query: { page?: string; page_size?: string }): PageRequest {
  const page = query.page === undefined || query.page === 'last' ? 1 : positiveInteger(query.page)
  if (page === undefined) throw new NotFound('Invalid page.')
  const size = query.page_size === undefined ? DEFAULT_PAGE_SIZE : positiveInteger(query.page_size) ?? DEFAULT_PAGE_SIZE
  const limit = Math.min(size, MAX_PAGE_SIZE)
  return { page, limit, offset: (page - 1) * limit }
}

/** The `{count, next, previous, results}` body; a page past the end is 404 (the first page may be empty). */
export function pageBody<T>(request: FastifyRequest, page: PageRequest, count: number, results: T[]) {
  if (page.page > 1 && page.offset >= count) throw new NotFound('Invalid page.')
  const hasNext = page.offset + results.length < count
  return {
    count,
    next: hasNext ? linkTo(request, { page: page.page + 1 }) : null,
    // DRF drops the page parameter for the first page.
    previous: page.page > 1 ? linkTo(request, { page: page.page === 2 ? undefined : page.page - 1 }) : null,
    results,
  }
}

/**
 * The absolute URL of this request with some query parameters replaced (undefined removes
 * one). Scheme and host honour X-Forwarded-Proto/Host only when TRUST_PROXY is on, which
 * Fastify's `trustProxy` decides.
 */
export function linkTo(request: FastifyRequest, changes: Record<string, string | number | undefined>): string {
  const url = new URL(`${origin(request)}${request.url}`)
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(name)
    else url.searchParams.set(name, String(value))
  }
  return url.href
}

function positiveInteger(text: string): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined
  const value = Number(text)
  return value >= 1 ? value : undefined
}

/** Scheme and host of the request; a Host header that is no host falls back to localhost. */
function origin(request: FastifyRequest): string {
  try {
    return new URL(`${request.protocol}://${request.host}`).origin
  } catch {
    return `${request.protocol}://localhost`
  }
}
