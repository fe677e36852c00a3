import type { EventBus } from '../../core/bus/event-bus.js'
import type { AttachmentService } from '../attachments/index.js'
import type { BlockService } from '../blocks/index.js'
import type { ConsentService } from '../consent/index.js'
import type { ChatRecordsRepository } from './chat-records-repository.js'
import type { Message, ThreadDetail } from './chat-schemas.js'
import { markersOf, toMessage, toThread } from './chat-views.js'
import type { MessageRepository } from './message-repository.js'
import type { ThreadRepository } from './thread-repository.js'

/** A thread with messages someone has not read (ChatRecords.unreadSince). */
export interface UnreadThread {
  id: number
  uuid: string
  shopName: string | null
  /** Its other participants, in the thread's order. */
  others: string[]
  unread: number
  /** When the oldest of them came. */
  oldestAt: string
  newest: { id: number; sender: string; content: string }
}

/**
 * The chat as a whole account meets it (docs/api.md §13): everything an address holds, read
 * in pages; its erasure; and retention. Apart from ChatService, whose rules are those of one
 * request in one thread.
 */
export class ChatRecords {
  readonly #threads: ThreadRepository
  readonly #messages: MessageRepository
  readonly #records: ChatRecordsRepository
  readonly #attachments: AttachmentService
  readonly #blocks: BlockService
  readonly #consent: ConsentService
  readonly #bus: EventBus

  constructor(parts: {
    threads: ThreadRepository
    messages: MessageRepository
    records: ChatRecordsRepository
    attachments: AttachmentService
    blocks: BlockService
    consent: ConsentService
    bus: EventBus
  }) {
    this.#threads = parts.threads
    this.#messages = parts.messages
    this.#records = parts.records
    this.#attachments = parts.attachments
    this.#blocks = parts.blocks
    this.#consent = parts.consent
    this.#bus = parts.bus
  }

  /**
   * Every thread `caller` sees, with all its messages as the caller sees them: threads walked by
   * id and each thread's messages a page at a time, so an export never runs one unbounded query.
   */
  async *everyThreadOf(caller: string): AsyncGenerator<ThreadDetail> {
    const page = 500
    const blockers = await this.#blocks.blockersOf(caller)
    for (let afterThread = 0; ; ) {
      const threads = await this.#threads.threadsAfter(caller, afterThread, page)
      for (const thread of threads) {
        const participants = (await this.#threads.participants([thread.id])).get(thread.id) ?? []
        const consent = await this.#consent.of([thread.id])
        // The caller's own data: every marker as the caller may know it.
        const readMarkers = markersOf(participants, consent.hiddenReaders(thread.id, caller, blockers))
        const messages: Message[] = []
        for (let afterMessage = 0; ; ) {
          const records = await this.#messages.messages(thread, { afterId: afterMessage, limit: page })
          const attachments = await this.#attachments.ofMessages(records.map((m) => m.id))
          messages.push(...records.map((record) => toMessage(record, readMarkers, attachments.get(record.id) ?? [])))
          if (records.length < page) break
          afterMessage = records.at(-1)!.id
        }
        yield Object.assign(toThread(thread, participants.map((p) => p.address), consent.stateOf(thread.id, caller)), { messages })
      }
      if (threads.length < page) return
      afterThread = threads.at(-1)!.id
    }
  }

  /**
   * What `address` has not read of others' messages newer than `afterId`, per thread, newest
   * thread first: for an e-mail digest, with the other participants and the newest message.
   */
  async unreadSince(address: string, afterId: number): Promise<UnreadThread[]> {
    const tallies = await this.#records.unreadSince(address, afterId)
    const [participants, newest] = await Promise.all([
      this.#threads.participants(tallies.map((tally) => tally.thread_id)),
      Promise.all(tallies.map((tally) => this.#messages.find(tally.newest_id))),
    ])
    return tallies.map((tally, i) => ({
      id: tally.thread_id,
      uuid: tally.thread_uuid,
      shopName: tally.shop_name,
      others: (participants.get(tally.thread_id) ?? []).map((p) => p.address).filter((other) => other !== address),
      unread: tally.unread,
      oldestAt: tally.oldest_at,
      newest: { id: tally.newest_id, sender: newest[i]?.sender ?? '', content: newest[i]?.content ?? '' },
    }))
  }

  /** How many messages `sender` has sent, in any thread. */
  countSentBy(sender: string): Promise<number> {
    return this.#records.countSentBy(sender)
  }

  /** Hides every thread from `address`, as DELETE /api/chat/{uuid}/ does one (an erased account leaves them all). */
  async leaveEveryThread(address: string): Promise<void> {
    for (let afterThread = 0; ; ) {
      const threads = await this.#threads.threadsAfter(address, afterThread, 100)
      for (const thread of threads) {
        await this.#threads.hideThread(thread.id, address)
        this.#bus.publish({ type: 'thread', recipients: [address], data: { uuid: thread.uuid, action: 'deleted' } })
      }
      if (threads.length < 100) return
      afterThread = threads.at(-1)!.id
    }
  }

  /**
   * Erases what `address` wrote: every message of it becomes a tombstone where it stands, as if
   * it had deleted each (its earlier wordings forgotten too), so the other participants keep
   * their threads; the records of its uploads go in the same transaction (the hourly collection
   * frees their bytes). Idempotent; no events (its streams are closed, the others see it on reload).
   */
  async eraseMessagesOf(address: string): Promise<void> {
    await this.#records.eraseContentOf(address, 'Message deleted', (trx) => this.#attachments.deleteUploadsOf(trx, address))
  }

  /**
   * Deletes up to `limit` messages sent before `before` (MESSAGE_RETENTION_DAYS), oldest first,
   * with their attachments' records; threads' last message and unread counts follow. Returns
   * how many it deleted, so a caller can tell when the backlog is done.
   */
  deleteMessagesBefore(before: string, limit: number): Promise<number> {
    return this.#records.deleteOlderThan(before, limit, (trx, ids) => this.#attachments.deleteOfMessages(trx, ids))
  }
}
