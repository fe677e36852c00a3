import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ChatError, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, RangeNotSatisfiable, RateLimited, Unauthorized } from '../errors.js'
import { NO_NUL } from './schemas.js'

/** A path that exists, asked for with a method it does not have. */
export class MethodNotAllowed extends ChatError {
  constructor(
    readonly method: string,
    readonly allow: readonly string[],
  ) {
    super(`Method "${method}" not allowed.`)
  }
}

interface AjvError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** An error as the contract answers it: over HTTP, and in WebSocket `error` frames. */
export interface ErrorResponse {
  status: number
  body: Record<string, unknown>
  headers: Record<string, string>
}

/**
 * The one place where failures become the contract's bodies (docs/api.md §5): validation as
 * `{"field": ["message"]}`, everything else as `{"detail": "message"}`. Nothing internal
 * (stack, SQL, paths) ever reaches a response.
 */
export function errorResponse(error: unknown): ErrorResponse {
  if (error instanceof ChatError) return chatErrorResponse(error)
  const fastifyError = error as Partial<FastifyError>
  if (fastifyError.validation) {
    return response(400, validationBody(fastifyError.validation as AjvError[], fastifyError.validationContext))
  }
  const status = fastifyError.statusCode ?? 500
  if (status === 429) return response(429, { detail: 'Request was throttled.' })
  if (status >= 400 && status < 500) return response(status, { detail: clientErrorDetail(error as FastifyError) })
  return response(500, { detail: 'Internal server error.' })
}

export function errorHandler(error: FastifyError | ChatError, request: FastifyRequest, reply: FastifyReply) {
  const { status, body, headers } = errorResponse(error)
  if (status >= 500) request.log.error({ err: error }, 'unhandled error')
  return reply.code(status).headers(headers).send(body)
}

function chatErrorResponse(error: ChatError): ErrorResponse {
  if (error instanceof Invalid) return response(400, { [error.field]: [error.message] })
  if (error instanceof Unauthorized) {
    return response(401, { detail: error.message }, { 'www-authenticate': 'Bearer realm="api"' })
  }
  if (error instanceof RateLimited) {
    return response(429, { detail: error.message }, { 'retry-after': String(error.retryAfterSeconds) })
  }
  if (error instanceof MethodNotAllowed) return response(405, { detail: error.message }, { allow: error.allow.join(', ') })
  if (error instanceof PayloadTooLarge) return response(413, { detail: error.message }, { connection: 'close' })
  if (error instanceof RangeNotSatisfiable) return response(416, { detail: error.message }, { 'content-range': `bytes */${error.size}` })
  const status = error instanceof Forbidden ? 403 : error instanceof NotFound ? 404 : error instanceof Conflict ? 409 : 400
  return response(status, { detail: error.message })
}

function response(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ErrorResponse {
  return { status, body, headers }
}

function clientErrorDetail(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'JSON parse error: the body is not valid JSON.'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'JSON parse error: the body is empty.'
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large (limit 64 KiB).'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported media type in request: send application/json.'
    default:
      // Fastify's own 4xx messages are fixed texts about the request, never internals.
      return error.message
  }
}

/** Ajv errors as Django REST Framework words them, keyed by field. */
function validationBody(errors: AjvError[], context: string | undefined): Record<string, string[]> {
  const body: Record<string, string[]> = {}
  // A nullable field fails both of its branches; only the non-null branch says what is wrong.
  for (const error of errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'))) {
    const field =
      error.keyword === 'required'
        ? String(error.params.missingProperty)
        : (error.instancePath.split('/')[1] ?? '') || (context === 'body' || !context ? 'non_field_errors' : context)
    const messages = (body[field] ??= [])
    // A choice among literals fails once per choice: one message says it.
    const message = validationMessage(error)
    if (!messages.includes(message)) messages.push(message)
  }
  return body
}

function validationMessage(error: AjvError): string {
  const { params } = error
  switch (error.keyword) {
    case 'required':
      return 'This field is required.'
    case 'type':
      if (error.instancePath === '') return 'Invalid data. Expected a dictionary (JSON object).'
      return {
        integer: 'A valid integer is required.',
        number: 'A valid number is required.',
        string: 'Not a valid string.',
        boolean: 'Must be a valid boolean.',
        array: 'Expected a list of items.',
        object: 'Expected a dictionary of items.',
      }[String(params.type).split(',')[0]!] ?? `Expected ${String(params.type)}.`
    case 'maxLength':
      return `Ensure this field has no more than ${String(params.limit)} characters.`
    case 'minLength':
      return params.limit === 1 ? 'This field may not be blank.' : `Ensure this field has at least ${String(params.limit)} characters.`
    case 'maximum':
      return `Ensure this value is less than or equal to ${String(params.limit)}.`
    case 'minimum':
      return `Ensure this value is greater than or equal to ${String(params.limit)}.`
    case 'maxItems':
      return `Ensure this field has no more than ${String(params.limit)} elements.`
    case 'minItems':
      return `Ensure this field has at least ${String(params.limit)} elements.`
    case 'pattern':
      return params.pattern === NO_NUL ? 'Null characters are not allowed.' : 'Enter a valid value.'
    case 'format':
      return 'Enter a valid value.'
    case 'const':
    case 'enum':
      return 'Not a valid choice.'
    default:
      return 'Invalid value.'
  }
}

/** 404 for unknown paths, and 405 with `Allow` for known paths asked with another method. */
export function registerFallbacks(app: FastifyInstance, routes: ReadonlyMap<string, Set<string>>): void {
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
  for (const [url, allowed] of routes) {
    const missing = methods.filter((method) => !allowed.has(method))
    if (missing.length === 0) continue
    const allow = [...allowed].filter((m) => m !== 'HEAD').sort()
    app.route({
      method: missing,
      url,
      schema: { hide: true },
      handler: async (request) => {
        throw new MethodNotAllowed(request.method, allow)
      },
    })
  }
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }))
}
