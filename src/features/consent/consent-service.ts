import { timestamp, type Clock } from '../../core/clock.js'
import { Conflict, Forbidden } from '../../core/errors.js'
import type { ConsentRepository, PendingRecord, SettingsRecord } from './consent-repository.js'

/** A thread's standing for one participant (docs/api.md §14). */
export type Consent = 'accepted' | 'request' | 'declined'

export const ATTACHMENTS_AFTER_ACCEPT = 'Attachments can be sent once the conversation is accepted.'

export interface ConsentOptions {
  /** MESSAGE_REQUESTS: whether an address that has not chosen gets requests. */
  requestsByDefault: boolean
  /** Messages an opener may send while nobody has accepted. */
  messageLimit: number
  clock: Clock
}

/**
 * Who has not accepted which of some threads: read once per request, then asked by every
 * rule and view of that request. No row for a participant means accepted.
 */
export class ThreadConsent {
  readonly #pending = new Map<number, PendingRecord[]>()

  constructor(records: readonly PendingRecord[]) {
    for (const record of records) {
      const inThread = this.#pending.get(record.thread_id)
      if (inThread) inThread.push(record)
      else this.#pending.set(record.thread_id, [record])
    }
  }

  stateOf(threadId: number, address: string): Consent {
    return this.#pending.get(threadId)?.find((record) => record.address === address)?.state ?? 'accepted'
  }

  /** Whether `address` has yet to accept the thread (a request, or declined). */
  isPendingFor(threadId: number, address: string): boolean {
    return this.stateOf(threadId, address) !== 'accepted'
  }

  /**
   * Those whose reading `viewer` must not learn: everyone else who has not accepted, and
   * `alsoHidden` (who blocked the viewer), which is the whole answer in nearly every thread.
   */
  hiddenReaders(threadId: number, viewer: string, alsoHidden: readonly string[] = []): readonly string[] {
    const pending = this.#pending.get(threadId)
    if (!pending) return alsoHidden
    return [...alsoHidden, ...pending.map((record) => record.address).filter((address) => address !== viewer)]
  }

  /** Whether anyone in these threads has yet to accept: most sends and views stop here. */
  get isEmpty(): boolean {
    return this.#pending.size === 0
  }
}

/**
 * Message requests (docs/api.md §14): a thread someone else opened waits for my consent when
 * I asked for that; until I accept, its opener learns nothing of my reading and may send
 * only a few messages without attachments. The chat asks this service on every path.
 */
export class ConsentService {
  readonly #repository: ConsentRepository
  readonly #options: ConsentOptions

  constructor(repository: ConsentRepository, options: ConsentOptions) {
    this.#repository = repository
    this.#options = options
  }

  async settings(address: string): Promise<SettingsRecord> {
    return (await this.#repository.settingsOf([address])).get(address) ?? this.#defaults()
  }

  async updateSettings(address: string, patch: Partial<SettingsRecord>): Promise<SettingsRecord> {
    const settings = { ...(await this.settings(address)), ...patch }
    await this.#repository.saveSettings(address, settings)
    return settings
  }

  /**
   * `opener` opened the thread with `recipients`, or added them to it: it becomes a request
   * for each who asked for requests — for a shop's owner, only if they asked it of shops too.
   */
  async opened(threadId: number, opener: string, recipients: readonly string[], shopOwner: string | null): Promise<void> {
    const others = recipients.filter((address) => address !== opener)
    if (others.length === 0) return
    const chosen = await this.#repository.settingsOf(others)
    const waiting = others.filter((address) => {
      const settings = chosen.get(address) ?? this.#defaults()
      return address === shopOwner ? settings.shop_requests : settings.message_requests
    })
    await this.#repository.open(threadId, opener, waiting, timestamp(this.#options.clock))
  }

  async of(threadIds: readonly number[]): Promise<ThreadConsent> {
    return new ThreadConsent(await this.#repository.pendingIn(threadIds))
  }

  /** The threads `address` holds as requests, and those it declined: the inbox's folders. */
  async foldersOf(address: string): Promise<{ request: number[]; declined: number[] }> {
    const folders = { request: [] as number[], declined: [] as number[] }
    for (const { thread_id, state } of await this.#repository.pendingThreadsOf(address)) folders[state].push(thread_id)
    return folders
  }

  /**
   * Refuses a send by someone every other participant has yet to accept, past the limit or
   * with attachments. `others` and `sentSoFar` are asked only for a thread that waits for
   * someone, which for nearly every send is none.
   */
  async checkSend(
    consent: ThreadConsent,
    threadId: number,
    sender: string,
    send: { attachments: number; others: () => Promise<readonly string[]>; sentSoFar: () => Promise<number> },
  ): Promise<void> {
    if (consent.isEmpty || consent.isPendingFor(threadId, sender)) return
    const others = await send.others()
    if (others.length === 0 || others.some((address) => !consent.isPendingFor(threadId, address))) return
    if (send.attachments > 0) throw new Forbidden(ATTACHMENTS_AFTER_ACCEPT)
    if ((await send.sentSoFar()) >= this.#options.messageLimit) {
      throw new Forbidden(`This conversation is a message request: up to ${this.#options.messageLimit} messages can be sent until it is accepted.`)
    }
  }

  /** Accepts the thread for `address`: false when it was accepted already. */
  accept(threadId: number, address: string): Promise<boolean> {
    return this.#repository.accept(threadId, address)
  }

  /** Declines a request: false when declined already; Conflict when it was never a request. */
  async decline(consent: ThreadConsent, threadId: number, address: string): Promise<boolean> {
    const state = consent.stateOf(threadId, address)
    if (state === 'accepted') throw new Conflict('Only a message request can be declined.')
    return state === 'request' && (await this.#repository.decline(threadId, address))
  }

  /** Forgets an erased account's requests and choices. */
  removeAllOf(address: string): Promise<void> {
    return this.#repository.removeAllOf(address)
  }

  #defaults(): SettingsRecord {
    return { message_requests: this.#options.requestsByDefault, shop_requests: false }
  }
}
