import { Type } from '@sinclair/typebox'
import { Cursor, Detail, errors, EXAMPLE, exampleOf } from '../../core/http/schemas.js'
import { Message } from '../chat/index.js'
import { RETRY_MS } from './sse-stream.js'

const message = exampleOf(Message)
/** The start of a stream as a client reads it: the retry hint, a message, someone typing. */
const EXAMPLE_EVENTS = [
  `retry: ${RETRY_MS}`,
  '',
  `id: ${message.id}`,
  'event: message',
  `data: ${JSON.stringify(message)}`,
  '',
  'event: typing',
  `data: ${JSON.stringify({ uuid: EXAMPLE.threadUuid, address: EXAMPLE.shopOwner })}`,
  '',
  '',
].join('\n')

export const streamSchemas = {
  events: {
    operationId: 'streamEvents',
    tags: ['real-time'],
    summary: "Server-Sent Events of the caller's threads: message, read, thread, typing",
    description:
      'text/event-stream. Sign in with Authorization: Bearer or ?token= (EventSource cannot set headers). ' +
      'Last-Event-ID or after_id first replays every message after that id from the database, then goes live.',
    security: [{ bearer: [] }],
    headers: Type.Object({ 'last-event-id': Type.Optional(Cursor) }),
    querystring: Type.Object({
      token: Type.Optional(Type.String({ maxLength: 256, description: 'The bearer token, for EventSource.' })),
      after_id: Type.Optional(Cursor),
    }),
    response: {
      200: {
        description: 'Events: message (id: = message id), read, thread, typing; a `: ping` comment every 15 s.',
        content: { 'text/event-stream': { schema: Type.String(), example: EXAMPLE_EVENTS } },
      },
      ...errors(400, 401),
    },
  },
  socket: {
    operationId: 'openWebSocket',
    tags: ['real-time'],
    summary: 'WebSocket: the same events as {"type","data"} frames, plus send, read, typing and resume',
    description: 'Sign in with Authorization: Bearer or a first frame {"type":"auth","token"}; see docs/api.md §9.',
    querystring: Type.Object({ after_id: Type.Optional(Cursor) }),
    response: { 101: { description: 'Switching Protocols: the WebSocket is open.', type: 'null' }, 426: Type.Ref(Detail), ...errors(400) },
  },
}

