import type { Transaction } from 'kysely'
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

/**
 * A new message, a new thread or a read marker that moved, as its transaction wrote it, with
 * the thread it happened in and who did it: what notifications reach people and machines with.
 */
export type RecordedChatEvent = Extract<ChatEvent, { type: 'message' | 'read' | 'thread' }> & {
  thread: { id: number; shop_id: number | null }
  /** The sender, the reader, or who opened the thread. */
  actor: string
}

/**
 * Keeps an event in the transaction that makes it true, so a crash never loses nor invents
 * one (server.ts wires it to the notifications' outbox).
 */
export type RecordEvent = (trx: Transaction<object>, event: RecordedChatEvent) => Promise<void>
