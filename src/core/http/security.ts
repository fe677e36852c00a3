import type { FastifyError, FastifyHttpOptions, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import helmet from 'helmet'
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Config } from '../config.js'
import type { StreamSlots } from '../limits/stream-slots.js'

/** The web client loads only its own files: no inline script, no foreign origin, no framing. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Swagger UI (/docs/ only) styles its elements inline; its scripts are files and need nothing more. */
export const DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

/**
 * The transport-level part of Fastify's options: deadlines for slow clients (slowloris,
 * trickled bodies, idle sockets) and contract-shaped answers for requests that never reach
 * a route.
 *
 * ```ts
 * Fastify({ ...serverOptions(config), logger })
 * ```
 */
export function serverOptions(config: Config) {
  return {
    connectionTimeout: config.connectionTimeout * 1000,
    keepAliveTimeout: config.keepAliveTimeout * 1000,
    requestTimeout: config.requestTimeout * 1000,
    http: {
      headersTimeout: config.headersTimeout * 1000,
      requestTimeout: config.requestTimeout * 1000,
      // Node enforces both deadlines on this sweep (30 s by default, longer than the deadlines).
      connectionsCheckingInterval: 1000,
    },
    clientErrorHandler,
    frameworkErrors,
  } satisfies FastifyHttpOptions<Server>
}

/** The routes whose answers stay open, and count against MAX_STREAMS_PER_ADDRESS and MAX_STREAMS_PER_IP. */
const STREAM_ROUTES = new Set(['/api/chat/stream/', '/api/chat/ws/'])

/**
 * Security headers on every answer (helmet), no caching of private API answers, no unwanted
 * body read, no kept-alive connection while draining, and a cap on the streams each address
 * and IP hold open.
 */
export async function registerSecurity(app: FastifyInstance, slots: StreamSlots): Promise<void> {
  const headers = helmetHeaders(CSP)
  const apiHeaders = { ...headers, 'cache-control': 'no-store' }
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? apiHeaders : headers)
    done()
  })
  // Answered before its body arrived (refused, too large): hang up rather than read the rest.
  // While draining, every answer closes its connection: an idle keep-alive client would
  // otherwise hold the shutdown up until KEEP_ALIVE_TIMEOUT.
  let draining = false
  app.addHook('preClose', async () => {
    draining = true
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    if (draining || !request.raw.complete) reply.header('connection', 'close')
    done(null, payload)
  })
  app.decorate('streamSlots', slots)
  // After the route's own sign-in; a WebSocket that signs in by frame adds its address then.
  // Only on the stream routes: a hook on every route costs every request.
  const takeSlot = async (request: FastifyRequest, reply: FastifyReply) => {
    const release = await slots.acquire((request.caller as string | undefined) ?? null, request.ip)
    const connection = request.ws ? request.raw.socket : reply.raw
    // Counting in Redis takes a moment: the client may have gone meanwhile.
    if (connection.destroyed) release()
    else connection.once('close', release)
  }
  app.addHook('onRoute', (route) => {
    if (STREAM_ROUTES.has(route.url)) route.preHandler = [takeSlot, ...[route.preHandler ?? []].flat()]
  })
}

/**
 * Helmet's headers for `policy`, worked out once. They never vary by request, and
 * @fastify/helmet rebuilds the whole middleware on every request, which cost more than any
 * other plugin (see BENCHMARKS.md).
 */
function helmetHeaders(policy: string): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  }
  const middleware = helmet({ contentSecurityPolicy: { useDefaults: false, directives: directivesOf(policy) } })
  middleware({} as IncomingMessage, response as unknown as ServerResponse, () => {})
  return headers
}

function directivesOf(policy: string): Record<string, string[]> {
  const directives = policy.split('; ').map((directive) => directive.split(' '))
  return Object.fromEntries(directives.map(([name, ...sources]) => [name!, sources]))
}

/** A path that does not decode, or a path segment too long to be an id, names nothing. */
function frameworkErrors(_error: FastifyError, _request: unknown, reply: FastifyReply) {
  reply.code(404).send({ detail: 'Not found.' })
}

/**
 * Requests Node's HTTP parser refuses (malformed, headers too large, too slow) answered in the
 * contract's shapes. Only the error code is logged: the raw bytes may hold a bearer token.
 */
function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  this.log.debug({ code: error.code }, 'refused a malformed or slow request')
  const [status, body] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, { detail: 'Request timed out.' }]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, { detail: 'Request headers are too large.' }]
        : [400, { non_field_errors: ['Malformed HTTP request.'] }]
  const json = JSON.stringify(body)
  if (!socket.writable) return void socket.destroy()
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    () => socket.destroy(),
  )
}
