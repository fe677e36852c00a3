import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ChatError, Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized } from '../domain/errors.js'
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

/**
 * The one place where failures become the contract's bodies (API.md §5): validation as
 * `{"field": ["message"]}`, everything else as `{"detail": "message"}`. Nothing internal
 * (stack, SQL, paths) ever reaches a response.
 */
export function errorHandler(error: FastifyError | ChatError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ChatError) return sendChatError(error, reply)

  if (error.validation) {
    return reply.code(400).send(validationBody(error.validation as AjvError[], error.validationContext))
  }
  const status = error.statusCode ?? 500
  if (status === 429) return reply.code(429).send({ detail: 'Request was throttled.' })
  if (status >= 400 && status < 500) return reply.code(status).send({ detail: clientErrorDetail(error) })

  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send({ detail: 'Internal server error.' })
}

function sendChatError(error: ChatError, reply: FastifyReply) {
  if (error instanceof Invalid) return reply.code(400).send({ [error.field]: [error.message] })
  if (error instanceof Unauthorized) {
    return reply.code(401).header('www-authenticate', 'Bearer realm="api"').send({ detail: error.message })
  }
  if (error instanceof RateLimited) {
    return reply.code(429).header('retry-after', String(error.retryAfterSeconds)).send({ detail: error.message })
  }
  if (error instanceof MethodNotAllowed) {
    return reply.code(405).header('allow', error.allow.join(', ')).send({ detail: error.message })
  }
  const status = error instanceof Forbidden ? 403 : error instanceof NotFound ? 404 : error instanceof Conflict ? 409 : 400
  return reply.code(status).send({ detail: error.message })
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
  for (const error of errors) {
    const field =
      error.keyword === 'required'
        ? String(error.params.missingProperty)
        : (error.instancePath.split('/')[1] ?? '') || (context === 'body' || !context ? 'non_field_errors' : context)
    ;(body[field] ??= []).push(validationMessage(error))
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
