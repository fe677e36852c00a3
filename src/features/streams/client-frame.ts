import { ChatError, Invalid } from '../../core/errors.js'

/** What a WebSocket client may send (docs/api.md §9); client frames are flat JSON objects. */
export type ClientFrame =
  | { type: 'auth'; token: string }
  | { type: 'send'; thread_uuid: string; content: string; client_id: string | null; attachments: string[] }
  | { type: 'read'; thread_uuid: string; up_to?: number }
  | { type: 'typing'; thread_uuid: string }
  | { type: 'resume'; after_id: number }

/** A frame that is not a JSON object at all: 400 `{"detail"}`, as malformed JSON is over HTTP. */
export class MalformedFrame extends ChatError {}

const MAX_ID = 2_147_483_647
const MAX_CLIENT_ID = 64
/** As over HTTP: at most this many attachments in one message. */
const MAX_ATTACHMENTS = 10
const FRAME_TYPES = ['auth', 'send', 'read', 'typing', 'resume']

/** The JSON object of a text frame; MalformedFrame or Invalid otherwise. */
export function frameObject(text: string | null): Record<string, unknown> {
  if (text === null) throw new MalformedFrame('Binary frames are not supported: send JSON text frames.')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new MalformedFrame('JSON parse error: the frame is not valid JSON.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid('non_field_errors', 'Invalid data. Expected a dictionary (JSON object).')
  }
  return value as Record<string, unknown>
}

/**
 * Checks a frame object field by field, with the messages the HTTP API gives for the same
 * fields; unknown fields are ignored, as in request bodies.
 */
export function clientFrame(frame: Record<string, unknown>): ClientFrame {
  const type = frame.type
  if (type === undefined) throw new Invalid('type', 'This field is required.')
  if (typeof type !== 'string' || !FRAME_TYPES.includes(type)) {
    throw new Invalid('type', `"${String(type).slice(0, 32)}" is not a valid choice.`)
  }
  switch (type) {
    case 'auth':
      return { type, token: text(frame, 'token') }
    case 'send': {
      const clientId = frame.client_id === undefined || frame.client_id === null ? null : text(frame, 'client_id')
      if (clientId !== null && clientId.length > MAX_CLIENT_ID) {
        throw new Invalid('client_id', `Ensure this field has no more than ${MAX_CLIENT_ID} characters.`)
      }
      const attachments = textList(frame, 'attachments')
      // A message of attachments alone may have no text, as over HTTP.
      const content = attachments.length > 0 && frame.content === '' ? '' : text(frame, 'content')
      return { type, thread_uuid: text(frame, 'thread_uuid'), content, client_id: clientId, attachments }
    }
    case 'read':
      return { type, thread_uuid: text(frame, 'thread_uuid'), up_to: frame.up_to === undefined ? undefined : integer(frame, 'up_to', 1) }
    case 'typing':
      return { type, thread_uuid: text(frame, 'thread_uuid') }
    default:
      return { type: 'resume', after_id: integer(frame, 'after_id', 0) }
  }
}

function text(frame: Record<string, unknown>, field: string): string {
  const value = frame[field]
  if (value === undefined) throw new Invalid(field, 'This field is required.')
  if (typeof value !== 'string') throw new Invalid(field, 'Not a valid string.')
  if (value.length === 0) throw new Invalid(field, 'This field may not be blank.')
  if (value.includes('\u0000')) throw new Invalid(field, 'Null characters are not allowed.')
  return value
}

/** An optional list of short strings (ids); absent is empty. */
function textList(frame: Record<string, unknown>, field: string): string[] {
  const value = frame[field]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new Invalid(field, 'Expected a list of items.')
  if (value.length > MAX_ATTACHMENTS) throw new Invalid(field, `Ensure this field has no more than ${MAX_ATTACHMENTS} elements.`)
  if (!value.every((item) => typeof item === 'string' && item.length > 0 && item.length <= 64)) {
    throw new Invalid(field, 'Each item must be an attachment id.')
  }
  return value as string[]
}

function integer(frame: Record<string, unknown>, field: string, min: number): number {
  const value = frame[field]
  if (value === undefined) throw new Invalid(field, 'This field is required.')
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Invalid(field, 'A valid integer is required.')
  if (value < min) throw new Invalid(field, `Ensure this value is greater than or equal to ${min}.`)
  if (value > MAX_ID) throw new Invalid(field, `Ensure this value is less than or equal to ${MAX_ID}.`)
  return value
}
