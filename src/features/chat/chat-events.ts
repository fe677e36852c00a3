import type { BusEvent } from '../../core/bus/event-bus.js'
import type { Message, ReadEvent, ThreadEvent, TypingEvent } from './chat-schemas.js'

/** What the chat announces after each commit; streams carry each to its recipients as it is. */
export type ChatEvent =
  | (BusEvent<Message> & { type: 'message' })
  /** An edit or a deletion of a message already delivered: the message as it now stands. */
  | (BusEvent<Message> & { type: 'message_updated' })
  | (BusEvent<ReadEvent> & { type: 'read' })
  | (BusEvent<ThreadEvent> & { type: 'thread' })
  | (BusEvent<TypingEvent> & { type: 'typing' })
