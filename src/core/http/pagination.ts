import type { FastifyRequest } from 'fastify'
import { NotFound } from '../errors.js'

const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100

/**
 * Page-number pagination as Django REST Framework does it: `page` from 1 or `last`, anything
 * else (or a page past the end) 404 "Invalid page."; a bad page_size falls back to the default,
 * a large one to the maximum. `fetch` answers the total count and the items at (limit,
 * offset); `page=last` costs one more call, for the count.
 */
export async function paginate<T>(
  request: FastifyRequest,
  query: { page?: string; page_size?: string },
  fetch: (limit: number, offset: number) => Promise<{ count: number; results: T[] }>,
) {
  const size = query.page_size === undefined ? DEFAULT_PAGE_SIZE : positiveInteger(query.page_size) ?? DEFAULT_PAGE_SIZE
  const limit = Math.min(size, MAX_PAGE_SIZE)
  const page =
    query.page === 'last' ? Math.max(1, Math.ceil((await fetch(0, 0)).count / limit)) : positiveInteger(query.page ?? '1')
  if (page === undefined) throw new NotFound('Invalid page.')
  const offset = (page - 1) * limit
  const { count, results } = await fetch(limit, offset)
  // The first page may be empty; any other page must hold something.
  if (page > 1 && offset >= count) throw new NotFound('Invalid page.')
  return {
    count,
    next: offset + results.length < count ? linkTo(request, { page: page + 1 }) : null,
    // DRF drops the page parameter for the first page.
    previous: page > 1 ? linkTo(request, { page: page === 2 ? undefined : page - 1 }) : null,
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
