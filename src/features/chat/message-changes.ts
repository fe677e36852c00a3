import type { EventBus } from '../../core/bus/event-bus.js'
import { timestamp, type Clock } from '../../core/clock.js'
import { Conflict, Forbidden, NotFound } from '../../core/errors.js'
import type { AttachmentService } from '../attachments/index.js'
import type { ChatEvent } from './chat-events.js'
import type { Message } from './chat-schemas.js'
import type { MessageRemover } from './chat-tables.js'
import { markersOf, toMessage } from './chat-views.js'
import type { MessageRecord, MessageRepository } from './message-repository.js'
import type { ThreadRepository } from './thread-repository.js'
import { checkContent } from './thread-rules.js'

export interface MessageChangeOptions {
  /** Seconds after sending during which a sender may edit or delete a message (MESSAGE_EDIT_WINDOW). */
  editWindow: number
  maxMessageLength: number
  clock: Clock
}

/**
 * Changes to messages already delivered (docs/api.md §4): a sender's edit or deletion within
 * the edit window, a moderator's removal. The old wording is kept for reports, and every
 * participant gets the message as it now stands (`message_updated`).
 */
export class MessageChanges {
  readonly #messages: MessageRepository
  readonly #threads: ThreadRepository
  readonly #attachments: AttachmentService
  readonly #bus: EventBus
  readonly #threadOf: (caller: string, uuid: string) => Promise<{ id: number }>
  readonly #hiddenReaders: (viewer: string, threadId: number) => Promise<readonly string[]>
  readonly #options: MessageChangeOptions

  constructor(
    parts: {
      messages: MessageRepository
      threads: ThreadRepository
      attachments: AttachmentService
      bus: EventBus
      /** The thread a caller sees (the chat service answers, NotFound otherwise). */
      threadOf: (caller: string, uuid: string) => Promise<{ id: number }>
      /** Whose read markers `viewer` may not know in the thread (the chat service answers). */
      hiddenReaders: (viewer: string, threadId: number) => Promise<readonly string[]>
    },
    options: MessageChangeOptions,
  ) {
    this.#messages = parts.messages
    this.#threads = parts.threads
    this.#attachments = parts.attachments
    this.#bus = parts.bus
    this.#threadOf = parts.threadOf
    this.#hiddenReaders = parts.hiddenReaders
    this.#options = options
  }

  /** Edits the caller's own message within the edit window; everyone sees it as edited. */
  async editMessage(caller: string, uuid: string, id: number, content: string): Promise<Message> {
    const thread = await this.#threadOf(caller, uuid)
    const message = await this.#ownMessage(thread, caller, id)
    if (message.deleted_by !== null) throw new Conflict('This message was deleted.')
    checkContent(content, this.#options.maxMessageLength)
    const now = timestamp(this.#options.clock)
    const edited = { ...message, content, edited_at: now }
    await this.#messages.rewrite(message, { content, preview: content, editedAt: now, deletedBy: null, now })
    return this.#announceChange(edited)
  }

  /** Deletes the caller's own message for everyone within the edit window: a tombstone stays. */
  async deleteMessage(caller: string, uuid: string, id: number): Promise<void> {
    const thread = await this.#threadOf(caller, uuid)
    const message = await this.#ownMessage(thread, caller, id)
    if (message.deleted_by === null) await this.#tombstone(message, 'sender')
  }

  /**
   * Removes any message for everyone, for a moderator (the moderation feature checks who may):
   * a tombstone that says so, in every view and stream. NotFound for no such message.
   */
  async removeMessage(id: number): Promise<{ thread_uuid: string; sender: string }> {
    const message = await this.#messages.find(id)
    if (!message) throw new NotFound()
    if (message.deleted_by !== 'moderator') await this.#tombstone(message, 'moderator')
    return { thread_uuid: message.thread_uuid, sender: message.sender }
  }

  /** A message of this thread that `caller` sent and may still change; its id names nothing else. */
  async #ownMessage(thread: { id: number }, caller: string, id: number): Promise<MessageRecord> {
    const message = await this.#messages.find(id)
    if (!message || message.thread_id !== thread.id) throw new NotFound()
    if (message.sender !== caller) throw new Forbidden('You can only change your own messages.')
    const window = this.#options.editWindow
    if (this.#options.clock.now() - Date.parse(message.timestamp) > window * 1000) {
      throw new Forbidden(`Messages can be changed for ${window} seconds after they are sent.`)
    }
    return message
  }

  async #tombstone(message: MessageRecord, by: MessageRemover): Promise<void> {
    const now = timestamp(this.#options.clock)
    const preview = by === 'sender' ? 'Message deleted' : 'Message removed by moderators'
    // Its pictures and files go with it: their records in the same transaction, their bytes at the next collection.
    await this.#messages.rewrite(message, { content: '', preview, editedAt: null, deletedBy: by, now }, (trx) =>
      this.#attachments.deleteOfMessages(trx, [message.id]),
    )
    await this.#announceChange({ ...message, content: '', deleted_by: by })
  }

  /** Tells every participant how a delivered message now stands. */
  async #announceChange(message: MessageRecord): Promise<Message> {
    const thread = { id: message.thread_id }
    const [participants, attachments, hidden] = await Promise.all([
      this.#threads.participants([thread.id]),
      this.#attachments.ofMessages([message.id]),
      // is_read tells the sender who read it: only as far as the sender may know.
      this.#hiddenReaders(message.sender, thread.id),
    ])
    const current = participants.get(thread.id) ?? []
    const view = toMessage(message, markersOf(current, hidden), attachments.get(message.id) ?? [])
    this.#publish({ type: 'message_updated', recipients: current.map((p) => p.address), data: view })
    return view
  }

  #publish(event: ChatEvent): void {
    this.#bus.publish(event)
  }
}
