import type { BusEvent } from '../../core/bus/event-bus.js'
import type { Message, ReadEvent, ThreadEvent, TypingEvent } from './chat-schemas.js'

/** What the chat announces after each commit; streams carry each to its recipients as it is. */
export type ChatEvent =
  | (BusEvent<Message> & { type: 'message' })
  | (BusEvent<ReadEvent> & { type: 'read' })
  | (BusEvent<ThreadEvent> & { type: 'thread' })
  | (BusEvent<TypingEvent> & { type: 'typing' })
