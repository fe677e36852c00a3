import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { EventBus } from '../../core/bus/event-bus.js'
import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, Invalid, NotFound, RateLimited } from '../../core/errors.js'
import type { RateLimiter } from '../../core/limits/token-buckets.js'
import { isValidAddress, type Network } from '../../core/vfx/address.js'
import type { Attachment, AttachmentService } from '../attachments/index.js'
import type { BlockService } from '../blocks/index.js'
import type { Consent, ConsentService, ThreadConsent } from '../consent/index.js'
import type { ShopService } from '../shops/index.js'
import type { ChatEvent, RecordEvent, RecordedChatEvent } from './chat-events.js'
import type { Message, ThreadDetail } from './chat-schemas.js'
import { markersOf, previewOf, toMessage, toThread } from './chat-views.js'
import type { MessageRecord, MessageRepository, NewMessagesFilter } from './message-repository.js'
import type { Participant, ReadMarker, ThreadListFilter, ThreadRecord, ThreadRepository } from './thread-repository.js'
import { checkContent, checkParticipantCount, isUuid, threadKey, withShopOwner } from './thread-rules.js'

export interface ChatServiceOptions {
  network: Network
  maxMessageLength: number
  /** Per-address send limiter; null when sends are unlimited. */
  sendLimiter: RateLimiter | null
  /** Per-address typing limiter: past it, typing notices are dropped. */
  typingLimiter: RateLimiter
  /** New threads an address nobody has answered may open per hour and per day; 0 = no limit. */
  unansweredThreadsPerHour: number
  unansweredThreadsPerDay: number
  clock: Clock
}

/** The repositories and neighbours the chat rules work with. */
export interface ChatParts {
  threads: ThreadRepository
  messages: MessageRepository
  shops: ShopService
  attachments: AttachmentService
  blocks: BlockService
  consent: ConsentService
  bus: EventBus
  /** Where new messages, new threads and moved read markers are kept in their own transaction. */
  record?: RecordEvent
}

export interface MessageSlice {
  afterId?: number
  beforeId?: number
  offset?: number
  limit: number
}

export interface MessagePage {
  count: number
  messages: Message[]
  /** Cursor slices only: whether messages exist after the last, and before the first. */
  hasNext: boolean
  hasPrevious: boolean
}

export interface ThreadPatch {
  is_read?: boolean
  shop_id?: number | null
  participants?: string[]
}

const DETAIL_MESSAGES = 100
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** Typing notices per second per address, and their burst: more carry no news, only load. */
export const TYPING_LIMIT = { rate: 1, burst: 3 }

/**
 * The chat rules of docs/api.md §3–§4 over the repositories: who may see and change a
 * thread, what a valid message is, and which events each change announces. HTTP routes and
 * the WebSocket both call it, so the rules hold the same on every path.
 */
export class ChatService {
  readonly #threads: ThreadRepository
  readonly #messages: MessageRepository
  readonly #shops: ShopService
  readonly #attachments: AttachmentService
  readonly #blocks: BlockService
  readonly #consent: ConsentService
  readonly #bus: EventBus
  readonly #record: RecordEvent | undefined
  readonly #options: ChatServiceOptions

  constructor(parts: ChatParts, options: ChatServiceOptions) {
    this.#threads = parts.threads
    this.#messages = parts.messages
    this.#shops = parts.shops
    this.#attachments = parts.attachments
    this.#blocks = parts.blocks
    this.#consent = parts.consent
    this.#bus = parts.bus
    this.#record = parts.record
    this.#options = options
  }

  /** The caller's threads; `consent` picks a folder, and without it every thread but the declined ones. */
  async listThreads(caller: string, filter: ThreadListFilter & { consent?: Consent }, limit: number, offset: number) {
    const [hiddenWith, folders] = await Promise.all([this.#blocks.blockedBy(caller), this.#consent.foldersOf(caller)])
    const { count, threads } = await this.#threads.listThreads(caller, Object.assign({}, filter, folderFilter(folders, filter.consent), { hiddenWith }), limit, offset)
    const participants = await this.#threads.addresses(threads.map((thread) => thread.id))
    // The caller's own consent to each thread is what its folders hold: no second read.
    const request = new Set(folders.request)
    const declined = new Set(folders.declined)
    const stateOf = (id: number): Consent => (request.has(id) ? 'request' : declined.has(id) ? 'declined' : 'accepted')
    return { count, threads: threads.map((thread) => toThread(thread, participants.get(thread.id) ?? [], stateOf(thread.id))) }
  }

  /** Accepts a message request (or a declined one) for the caller; the others may then see them read. */
  async accept(caller: string, uuid: string): Promise<ThreadDetail> {
    const thread = await this.#visibleThread(caller, uuid)
    if (await this.#consent.accept(thread.id, caller)) await this.#announceAccepted(thread, caller)
    return this.threadDetail(caller, uuid)
  }

  /** Declines a message request: it leaves the caller's list; the opener is not told. */
  async decline(caller: string, uuid: string): Promise<ThreadDetail> {
    const thread = await this.#visibleThread(caller, uuid)
    if (await this.#consent.decline(await this.#consent.of([thread.id]), thread.id, caller)) {
      this.#announceThread(thread, [caller], 'updated')
    }
    return this.threadDetail(caller, uuid)
  }

  async createThread(
    caller: string,
    body: { participants: string[]; shop_id?: number | null; initial_message?: string },
  ): Promise<{ thread: ThreadDetail; created: boolean }> {
    const shopId = body.shop_id ?? null
    const { participants, shopOwner } = await this.#completeParticipants(body.participants, shopId)
    if (!participants.includes(caller)) throw new Forbidden('You must be one of the participants.')
    await this.#blocks.checkReachable(caller, participants)
    if (body.initial_message !== undefined) {
      checkContent(body.initial_message, this.#options.maxMessageLength, 'initial_message')
      await this.#takeSendToken(caller)
    }

    const key = threadKey(participants, shopId)
    let ref = await this.#threads.findThreadByKey(key)
    let created = false
    if (!ref) {
      await this.#checkOpeningLimits(caller)
      const uuid = randomUUID()
      const made = await this.#threads.createThread({
        uuid,
        key,
        shopId,
        participants,
        openedBy: caller,
        now: timestamp(this.#options.clock),
        recorded: this.#recorder(({ trx, record }, id: number) =>
          record(trx, { type: 'thread', recipients: participants, data: { uuid, action: 'created' }, thread: { id, shop_id: shopId }, actor: caller }),
        ),
      })
      ref = made
      created = made.created
      // Before anyone hears of the thread, so it never shows as accepted to someone who asked for requests.
      if (created) await this.#consent.opened(made.id, caller, participants, shopOwner)
    }
    // Asking again for a thread one had deleted brings it back.
    if (!created) await this.#threads.unhideThread(ref.id, caller)
    const thread = await this.#visibleThread(caller, ref.uuid)
    if (created) this.#announceThread(thread, participants, 'created')
    if (body.initial_message !== undefined) {
      await this.#append(thread, caller, body.initial_message, null)
    }
    return { thread: await this.threadDetail(caller, thread.uuid), created }
  }

  async threadDetail(caller: string, uuid: string): Promise<ThreadDetail> {
    const thread = await this.#visibleThread(caller, uuid)
    const [participants, messages, consent] = await Promise.all([
      this.#participantsOf(thread),
      this.#messages.messages(thread, { newest: true, limit: DETAIL_MESSAGES }),
      this.#consent.of([thread.id]),
    ])
    // Not a spread: one with a property added copies through V8's slow path (see thread-repository.ts).
    return Object.assign(toThread(thread, participants.map((p) => p.address), consent.stateOf(thread.id, caller)), {
      messages: await this.#withReadState(messages, participants, caller, consent),
    })
  }

  async updateThread(caller: string, uuid: string, patch: ThreadPatch): Promise<ThreadDetail> {
    let thread = await this.#visibleThread(caller, uuid)
    if (patch.is_read === false) throw new Invalid('is_read', 'Only true is accepted: read markers never move back.')

    if (patch.participants !== undefined || patch.shop_id !== undefined) {
      const current = await this.#participantsOf(thread)
      const shopId = patch.shop_id === undefined ? thread.shop_id : patch.shop_id
      const requested = patch.participants ?? current.map((p) => p.address)
      const { participants, shopOwner } = await this.#completeParticipants(requested, shopId)
      if (!participants.includes(caller)) throw new Invalid('participants', 'You cannot remove yourself from a thread.')
      await this.#blocks.checkReachable(caller, participants)
      const key = threadKey(participants, shopId)
      await this.#threads.updateThread(thread.id, { key, shopId, participants })
      const added = participants.filter((address) => !current.some((p) => p.address === address))
      await this.#consent.opened(thread.id, caller, added, shopOwner)
      const everyone = [...new Set([...current.map((p) => p.address), ...participants])]
      this.#announceThread(thread, everyone, 'updated')
      // Read markers go to the participants as they are now.
      thread = await this.#visibleThread(caller, uuid)
    }
    if (patch.is_read === true) await this.#markRead(thread, caller, thread.last_message_id ?? 0)
    return this.threadDetail(caller, uuid)
  }

  async deleteThread(caller: string, uuid: string): Promise<void> {
    const thread = await this.#visibleThread(caller, uuid)
    await this.#threads.hideThread(thread.id, caller)
    this.#publish({ type: 'thread', recipients: [caller], data: { uuid: thread.uuid, action: 'deleted' } })
  }

  async lookup(caller: string, requested: string[], shopId: number | null) {
    if (shopId !== null && !(await this.#shops.find(shopId))) throw new NotFound()
    const { participants } = await this.#completeParticipants(requested, shopId)
    if (!participants.includes(caller)) throw new Forbidden('You must be one of the participants.')
    await this.#blocks.checkReachable(caller, participants)
    const found = await this.#threads.findThreadByKey(threadKey(participants, shopId))
    const thread = found && (await this.#threads.findVisibleThread(found.uuid, caller))
    if (!thread) throw new NotFound()
    const inOrder = await this.#participantsOf(thread)
    return { thread: { uuid: thread.uuid, participants: inOrder.map((p) => p.address), shop_id: thread.shop_id } }
  }

  /**
   * A slice of the thread's messages with the thread's count, and for cursor pages whether
   * more lie beyond each end (for the `next` and `previous` links).
   */
  async listMessages(caller: string, uuid: string, slice: MessageSlice): Promise<MessagePage> {
    const thread = await this.#visibleThread(caller, uuid)
    const count = thread.message_count
    // `page=last` asks for the count alone first (a slice of none).
    if (slice.limit === 0) return { count, messages: [], hasNext: false, hasPrevious: false }
    const [records, participants, consent] = await Promise.all([
      this.#messages.messages(thread, slice),
      this.#participantsOf(thread),
      this.#consent.of([thread.id]),
    ])
    const messages = await this.#withReadState(records, participants, caller, consent)
    if (slice.offset !== undefined) return { count, messages, hasNext: false, hasPrevious: false }
    const first = messages[0]
    const last = messages.at(-1)
    const [hasNext, hasPrevious] = await Promise.all([
      last ? this.#messages.hasMessagesBeyond(thread.id, last.id, 'after') : false,
      first ? this.#messages.hasMessagesBeyond(thread.id, first.id, 'before') : false,
    ])
    return { count, messages, hasNext, hasPrevious }
  }

  async sendMessage(
    caller: string,
    uuid: string,
    body: { content: string; sender?: string; client_id?: string | null; attachments?: string[] },
  ): Promise<{ message: Message; created: boolean }> {
    const thread = await this.#visibleThread(caller, uuid)
    if (body.sender !== undefined && body.sender !== caller) {
      throw new Forbidden('sender must be the signed-in address.')
    }
    await this.#blocks.checkReachable(caller, async () => (await this.#participantsOf(thread)).map((p) => p.address))
    const attachments = body.attachments ?? []
    checkContent(body.content, this.#options.maxMessageLength, 'content', attachments.length > 0)
    this.#attachments.checkIds(attachments)
    await this.#takeSendToken(caller)
    return this.#append(thread, caller, body.content, body.client_id ?? null, attachments)
  }

  /** The id of a thread the caller sees, for features that keep rows of a thread (message changes). */
  async threadOf(caller: string, uuid: string): Promise<{ id: number }> {
    return { id: (await this.#visibleThread(caller, uuid)).id }
  }

  /**
   * The id of a thread the caller may upload to: one they could send a picture into (not
   * blocked, not a request nobody accepted), so refused bytes are never stored.
   */
  async uploadTarget(caller: string, uuid: string): Promise<{ id: number }> {
    const thread = await this.#visibleThread(caller, uuid)
    await this.#blocks.checkReachable(caller, async () => (await this.#participantsOf(thread)).map((p) => p.address))
    await this.#checkSend(thread, caller, await this.#consent.of([thread.id]), 1)
    return { id: thread.id }
  }

  async markRead(caller: string, uuid: string, upTo: number | undefined) {
    const thread = await this.#visibleThread(caller, uuid)
    if (upTo !== undefined && !(await this.#messages.hasMessage(thread.id, upTo))) {
      throw new Invalid('up_to', 'Not a message of this thread.')
    }
    const marker = await this.#markRead(thread, caller, upTo ?? thread.last_message_id ?? 0)
    return { uuid: thread.uuid, last_read_id: marker.last_read_id, unread_count: marker.unread_count }
  }

  async newMessages(caller: string, address: string | undefined, filter: NewMessagesFilter, limit: number) {
    if (address !== undefined && address !== caller) throw new Forbidden('You can only read your own new messages.')
    const { count, messages } = await this.#messages.newMessages(caller, filter, limit)
    return { count, messages: await this.#viewsOf(messages, caller) }
  }

  /** Every message after `afterId` in the caller's threads, own ones included: a stream's replay. */
  async messagesAfter(caller: string, afterId: number, limit: number): Promise<Message[]> {
    return this.#viewsOf(await this.#messages.messagesAfter(caller, afterId, limit), caller)
  }

  /**
   * The message events of ids in (`afterId`, `upTo`], as their sends published them: for a
   * stream hub whose bus lost them (`MessageLog` in core/realtime).
   */
  async messageEventsBetween(afterId: number, upTo: number, limit: number): Promise<Array<{ id: number; item: ChatEvent }>> {
    const messages = await this.#messages.messagesBetween(afterId, upTo, limit)
    const [participants, attachments] = await Promise.all([
      this.#threads.participants([...new Set(messages.map((m) => m.thread_id))]),
      this.#attachments.ofMessages(messages.map((m) => m.id)),
    ])
    return messages.map((message) => {
      const current = participants.get(message.thread_id) ?? []
      const everyone = current.map((p) => p.address)
      // Unread, as the send published it: whoever has read it since is not the event's news
      // (nor anything a blocked or unaccepted reader's peers may learn).
      const view = toMessage(message, markersOf(current, everyone), attachments.get(message.id) ?? [])
      return { id: message.id, item: { type: 'message', recipients: everyone, data: view } }
    })
  }

  /** The commit-safe high-water mark of message ids (MessageRepository.highWater). */
  lastMessageId(): Promise<number> {
    return this.#messages.highWater()
  }

  /** Relays a typing notice to the other participants; never stored, and past the limit dropped. */
  async typing(caller: string, uuid: string): Promise<void> {
    if ((await this.#options.typingLimiter.take(caller, this.#options.clock.now())) > 0) return
    const thread = await this.#visibleThread(caller, uuid)
    // Until they accept, nobody learns that they are there.
    if ((await this.#consent.of([thread.id])).isPendingFor(thread.id, caller)) return
    const others = (await this.#participantsOf(thread)).map((p) => p.address).filter((a) => a !== caller)
    const recipients = await this.#blocks.withoutBlocks(caller, others)
    this.#publish({ type: 'typing', recipients, data: { uuid: thread.uuid, address: caller } })
  }

  /**
   * The caller's view of the given messages of a thread, oldest first (for evidence in a
   * report); ids that are not messages of this thread are left out. NotFound unless the
   * caller takes part.
   */
  async messagesById(caller: string, uuid: string, ids: readonly number[]): Promise<Message[]> {
    const thread = await this.#visibleThread(caller, uuid)
    const [records, participants, consent] = await Promise.all([
      this.#messages.messagesById(thread, ids),
      this.#participantsOf(thread),
      this.#consent.of([thread.id]),
    ])
    return this.#withReadState(records, participants, caller, consent)
  }

  /** Whose read markers `viewer` may not know in a thread: who blocked them, who has not accepted. */
  async hiddenReaders(viewer: string, threadId: number): Promise<readonly string[]> {
    const [blockers, consent] = await Promise.all([this.#blocks.blockersOf(viewer), this.#consent.of([threadId])])
    return consent.hiddenReaders(threadId, viewer, blockers)
  }

  /** Forgets limiter state of addresses that have been quiet, so memory follows active ones. */
  sweepLimiters(nowMs: number): void {
    this.#options.sendLimiter?.sweep(nowMs)
    this.#options.typingLimiter.sweep(nowMs)
  }

  async #append(thread: ThreadRecord, sender: string, content: string, clientId: string | null, attachmentIds: string[] = []) {
    const consent = await this.#consent.of([thread.id])
    await this.#checkSend(thread, sender, consent, attachmentIds.length)
    let attached: Attachment[] | undefined
    const { message, created, participants: current } = await this.#messages.addMessage({
      threadId: thread.id,
      threadUuid: thread.uuid,
      sender,
      content,
      clientId,
      now: timestamp(this.#options.clock),
      attach:
        attachmentIds.length === 0
          ? undefined
          : async (trx, messageId) => {
              attached = await this.#attachments.claim(trx, { publicIds: attachmentIds, threadId: thread.id, uploader: sender, messageId })
              return { preview: /\S/u.test(content) ? content : previewOf(attached) }
            },
      recorded: this.#recorder(({ trx, record }, added: MessageRecord, participants: Participant[]) => {
        const everyone = participants.map((p) => p.address)
        const data = toMessage(added, markersOf(participants), attached ?? [])
        return record(trx, { type: 'message', recipients: everyone, data, thread: { id: thread.id, shop_id: thread.shop_id }, actor: sender })
      }),
    })
    // A new message comes back with the participants its transaction updated; a replayed one does not.
    const participants = current ?? (await this.#participantsOf(thread))
    // A new message has the attachments it just claimed; only a replayed one needs looking up.
    attached ??= created ? [] : ((await this.#attachments.ofMessages([message.id])).get(message.id) ?? [])
    const view = toMessage(message, markersOf(participants), attached)
    if (created) {
      this.#publish({ type: 'message', recipients: participants.map((p) => p.address), data: view })
      // Replying accepts.
      if (consent.isPendingFor(thread.id, sender) && (await this.#consent.accept(thread.id, sender))) {
        await this.#announceAccepted(thread, sender)
      }
    }
    return { message: view, created }
  }

  /** Refuses what an opener nobody has accepted may not send (docs/api.md §14). */
  #checkSend(thread: ThreadRecord, sender: string, consent: ThreadConsent, attachments: number): Promise<void> {
    return this.#consent.checkSend(consent, thread.id, sender, {
      attachments,
      others: async () => (await this.#participantsOf(thread)).map((p) => p.address).filter((address) => address !== sender),
      sentSoFar: () => this.#messages.countSentBy(thread.id, sender),
    })
  }

  /** Tells everyone the thread changed, and the others where the one who accepted has read to. */
  async #announceAccepted(thread: ThreadRecord, address: string) {
    const participants = await this.#participantsOf(thread)
    const everyone = participants.map((p) => p.address)
    this.#announceThread(thread, everyone, 'updated')
    const marker = participants.find((p) => p.address === address)
    if (marker && marker.last_read_id > 0) {
      this.#publish({
        type: 'read',
        recipients: await this.#blocks.withoutBlocks(address, everyone),
        data: { uuid: thread.uuid, address, last_read_id: marker.last_read_id },
      })
    }
  }

  /**
   * Refuses a new thread from an address nobody has answered once it opened the hourly or the
   * daily number (UNANSWERED_THREADS_PER_*), with the wait until the oldest leaves that window.
   */
  async #checkOpeningLimits(caller: string): Promise<void> {
    const now = this.#options.clock.now()
    for (const [limit, window] of [
      [this.#options.unansweredThreadsPerHour, HOUR_MS],
      [this.#options.unansweredThreadsPerDay, DAY_MS],
    ] as const) {
      if (limit === 0) continue
      const nth = await this.#threads.nthOpenedSince(caller, new Date(now - window).toISOString(), limit)
      if (nth === undefined) continue
      // Counting is cheap; whether anyone ever answered is asked only of an address at its limit.
      if (await this.#messages.hasBeenAnswered(caller)) return
      throw new RateLimited(Math.max(1, Math.ceil((Date.parse(nth) + window - now) / 1000)))
    }
  }

  async #markRead(thread: ThreadRecord, caller: string, upTo: number) {
    // Who hears of it is settled before the marker moves, so the same list is recorded and published.
    const [participants, consent] = await Promise.all([this.#participantsOf(thread), this.#consent.of([thread.id])])
    // Until they accept, their reading reaches only their own devices.
    const everyone = consent.isPendingFor(thread.id, caller) ? [caller] : participants.map((p) => p.address)
    const recipients = await this.#blocks.withoutBlocks(caller, everyone)
    const event = (lastReadId: number): RecordedChatEvent => ({
      type: 'read',
      recipients,
      data: { uuid: thread.uuid, address: caller, last_read_id: lastReadId },
      thread: { id: thread.id, shop_id: thread.shop_id },
      actor: caller,
    })
    const marker = await this.#threads.markRead(
      thread.id,
      caller,
      upTo,
      this.#recorder(({ trx, record }, moved: ReadMarker) => record(trx, event(moved.last_read_id))),
    )
    if (marker.moved) {
      const { thread: _thread, actor: _actor, ...published } = event(marker.last_read_id)
      this.#publish(published)
    }
    return marker
  }

  /** A transaction hook that records an event, or none when nothing keeps events. */
  #recorder<A extends unknown[]>(
    hook: (into: { trx: Transaction<object>; record: RecordEvent }, ...args: A) => Promise<void>,
  ): ((trx: Transaction<object>, ...args: A) => Promise<void>) | undefined {
    const record = this.#record
    return record && ((trx, ...args) => hook({ trx, record }, ...args))
  }

  /** Validates addresses and the shop, then adds the shop's owner as on creation. */
  async #completeParticipants(requested: string[], shopId: number | null): Promise<{ participants: string[]; shopOwner: string | null }> {
    for (const address of requested) {
      if (!isValidAddress(address, this.#options.network)) {
        throw new Invalid('participants', `"${address.slice(0, 64)}" is not a valid VFX address.`)
      }
    }
    if (new Set(requested).size !== requested.length) {
      throw new Invalid('participants', 'Participants must be distinct addresses.')
    }
    let owner: string | null = null
    if (shopId !== null) {
      const shop = await this.#shops.find(shopId)
      if (!shop) throw new Invalid('shop_id', `Invalid pk "${shopId}" - object does not exist.`)
      owner = shop.owner_address
    }
    const participants = withShopOwner(requested, owner)
    checkParticipantCount(participants)
    return { participants, shopOwner: owner }
  }

  /** A thread the caller takes part in; anything else is 404, so existence is never revealed. */
  async #visibleThread(caller: string, uuid: string): Promise<ThreadRecord> {
    const thread = isUuid(uuid) ? await this.#threads.findVisibleThread(uuid.toLowerCase(), caller) : undefined
    if (!thread) throw new NotFound()
    return thread
  }

  /** Views of messages from any threads, as `viewer` sees them: read state and attachments. */
  async #viewsOf(messages: MessageRecord[], viewer: string): Promise<Message[]> {
    const threadIds = [...new Set(messages.map((m) => m.thread_id))]
    return this.#views(messages, viewer, {
      participants: this.#threads.participants(threadIds),
      consent: this.#consent.of(threadIds),
      attachments: this.#attachments.ofMessages(messages.map((m) => m.id)),
    })
  }

  /** Views of a page of one thread's messages, whose participants and consent the caller has at hand. */
  async #withReadState(
    messages: MessageRecord[],
    participants: readonly Participant[],
    viewer: string,
    consent: ThreadConsent,
  ): Promise<Message[]> {
    const threadId = messages[0]?.thread_id ?? 0
    return this.#views(messages, viewer, {
      participants: Promise.resolve(new Map([[threadId, [...participants]]])),
      consent: Promise.resolve(consent),
      attachments: this.#attachments.ofThreadMessages(threadId, messages.map((m) => m.id)),
    })
  }

  async #views(
    messages: MessageRecord[],
    viewer: string,
    of: { participants: Promise<Map<number, Participant[]>>; consent: Promise<ThreadConsent>; attachments: Promise<Map<number, Attachment[]>> },
  ): Promise<Message[]> {
    const [participants, attachments, blockers, consent] = await Promise.all([of.participants, of.attachments, this.#blocks.blockersOf(viewer), of.consent])
    return messages.map((message) =>
      toMessage(
        message,
        markersOf(participants.get(message.thread_id) ?? [], consent.hiddenReaders(message.thread_id, viewer, blockers)),
        attachments.get(message.id) ?? [],
      ),
    )
  }

  async #participantsOf(thread: ThreadRecord): Promise<Participant[]> {
    return thread.participants ?? (await this.#threads.participants([thread.id])).get(thread.id) ?? []
  }

  #announceThread(thread: ThreadRecord, recipients: string[], action: 'created' | 'updated') {
    this.#publish({ type: 'thread', recipients, data: { uuid: thread.uuid, action } })
  }

  #publish(event: ChatEvent): void {
    this.#bus.publish(event)
  }

  async #takeSendToken(caller: string): Promise<void> {
    const wait = (await this.#options.sendLimiter?.take(caller, this.#options.clock.now())) ?? 0
    if (wait > 0) throw new RateLimited(Math.ceil(wait))
  }
}

/** The thread ids a folder of the caller's list keeps or leaves out (docs/api.md §14). */
function folderFilter({ request, declined }: { request: number[]; declined: number[] }, consent: Consent | undefined): { onlyIds?: number[]; exceptIds?: number[] } {
  if (consent === 'request') return { onlyIds: request }
  if (consent === 'declined') return { onlyIds: declined }
  return { exceptIds: consent === 'accepted' ? [...declined, ...request] : declined }
}
