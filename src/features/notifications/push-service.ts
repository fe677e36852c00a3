import type { Transaction } from 'kysely'
import webPush from 'web-push'
import { timestamp, type Clock } from '../../core/clock.js'
import { NotFound } from '../../core/errors.js'
import { JobWorker, type Job, type JobQueue } from '../../core/jobs/job-queue.js'
import type { StreamSlots } from '../../core/limits/stream-slots.js'
import type { Message, RecordedChatEvent } from '../chat/index.js'
import { othersThanActor, type NotificationChannel, type NotificationService } from './notification-service.js'
import type { PushRepository, SubscriptionRecord } from './push-repository.js'
import { checkSubscription, pushMessageOf, retryDelayMs } from './push-rules.js'
import type { PushKey, PushMessage, PushSubscription } from './push-schemas.js'
import { PushSender, type VapidKeys } from './push-sender.js'

/** The queue of pushes to send, one job per subscribed browser. */
export const PUSH = 'push'

interface PushJob {
  subscription: number
  address: string
  message: PushMessage
}

export interface PushParts {
  repository: PushRepository
  jobs: JobQueue
  notifications: NotificationService
  /** Who has a stream open right now, on any node: they see the message arrive, no push needed. */
  streams: Pick<StreamSlots, 'openFor'>
}

export interface PushOptions {
  clock: Clock
  /** VAPID keys from the configuration; without them the service makes a pair once and keeps it. */
  vapid: { publicKey: string; privateKey: string } | null
  vapidSubject: string
  /** Lets endpoints be plain http or on private addresses (PUSH_ALLOW_PRIVATE). */
  allowPrivate: boolean
}

/** A push service that answers 429, 5xx or nothing is tried this often in all. */
const MAX_ATTEMPTS = 4
// Woken after each fan-out on this node; the poll finds what another node's fan-out planned.
const WORKER = { batch: 20, leaseMs: 60_000, pollMs: 1_000 }

/**
 * Web Push (docs/api.md §15.3): people's browsers' subscriptions, and the pushes sent to them
 * when a message arrives for someone who is not looking: the channel is on, the thread not
 * muted, they are not in their quiet hours (a push then is dropped, not delayed: it is a "now"
 * signal), and no stream of theirs is open when the push is about to go.
 */
export class PushService implements NotificationChannel {
  readonly #parts: PushParts
  readonly #options: PushOptions
  readonly #vapid: VapidKeys
  readonly #sender: PushSender
  #worker: JobWorker<PushJob> | undefined
  /** Where a push that failed for good is told (never its endpoint: a capability). */
  #dropped: (message: string) => void = () => {}

  private constructor(parts: PushParts, options: PushOptions, vapid: VapidKeys) {
    this.#parts = parts
    this.#options = options
    this.#vapid = vapid
    this.#sender = new PushSender(vapid, { allowPrivate: options.allowPrivate })
  }

  /** The service with its VAPID keys: the configured ones, or the pair the first node to start made. */
  static async open(parts: PushParts, options: PushOptions): Promise<PushService> {
    const keys =
      options.vapid ?? (JSON.parse(await parts.repository.key('vapid', () => JSON.stringify(webPush.generateVAPIDKeys()))) as { publicKey: string; privateKey: string })
    return new PushService(parts, options, { ...keys, subject: options.vapidSubject })
  }

  publicKey(): PushKey {
    return { public_key: this.#vapid.publicKey }
  }

  async subscribe(address: string, input: { endpoint: string; keys: { p256dh: string; auth: string } }, userAgent: string | null): Promise<PushSubscription> {
    checkSubscription(input.endpoint, input.keys, this.#options.allowPrivate)
    const record = await this.#parts.repository.save({
      address,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      user_agent: userAgent?.slice(0, 256) ?? null,
      created_at: timestamp(this.#options.clock),
    })
    return toSubscription(record)
  }

  async subscriptions(address: string, limit: number, offset: number): Promise<{ count: number; subscriptions: PushSubscription[] }> {
    const { count, subscriptions } = await this.#parts.repository.list(address, limit, offset)
    return { count, subscriptions: subscriptions.map(toSubscription) }
  }

  async unsubscribe(address: string, endpoint: string): Promise<void> {
    if (!(await this.#parts.repository.remove(address, endpoint))) throw new NotFound('No subscription of yours has this endpoint.')
  }

  /** Forgets a person's subscriptions (account erasure). */
  erase(address: string): Promise<void> {
    return this.#parts.repository.erase(address)
  }

  /** Pushes tell of new messages, to people with a subscribed browser. */
  async listens(trx: Transaction<object>, event: RecordedChatEvent): Promise<boolean> {
    return event.type === 'message' && this.#parts.repository.anySubscribed(trx, othersThanActor(event))
  }

  /** A new message plans a push to each browser of each person it may reach now. */
  async plan(event: RecordedChatEvent): Promise<((trx: Transaction<object>) => Promise<void>) | undefined> {
    if (event.type !== 'message') return undefined
    const subscriptions = await this.#parts.repository.idsOf(othersThanActor(event))
    if (subscriptions.length === 0) return undefined
    const subscribers = [...new Set(subscriptions.map((subscription) => subscription.address))]
    const reached = (await this.#parts.notifications.reach('push', event, subscribers)).filter((reach) => reach.notBefore === null)
    const messages = new Map(reached.map((reach) => [reach.address, pushMessageOf(event.data as Message, reach.previews)]))
    const pushes: PushJob[] = subscriptions.flatMap(({ id, address }) => {
      const message = messages.get(address)
      return message ? [{ subscription: id, address, message }] : []
    })
    if (pushes.length === 0) return undefined
    return (trx) => this.#parts.jobs.enqueue(trx, PUSH, pushes)
  }

  /** Starts sending planned pushes on this node; every node may, each push goes once. */
  start(onError: (error: unknown) => void, onDropped: (message: string) => void): void {
    this.#dropped = onDropped
    this.#worker = new JobWorker<PushJob>(this.#parts.jobs, PUSH, (jobs) => this.#sendAll(jobs), { ...WORKER, onError }).start()
  }

  /** Looks for planned pushes now: a fan-out just committed some. */
  wake(): void {
    this.#worker?.wake()
  }

  async stop(): Promise<void> {
    await this.#worker?.stop()
  }

  async #sendAll(jobs: Job<PushJob>[]): Promise<void> {
    await Promise.all(jobs.map((job) => this.#send(job)))
  }

  async #send(job: Job<PushJob>): Promise<void> {
    const { jobs, repository, streams } = this.#parts
    const { subscription: id, address, message } = job.payload
    // Looked at when the push is about to go: whoever opened the chat since sees the message there.
    const looking = (await streams.openFor(address)) > 0
    // A browser unsubscribed since, or subscribed again by someone else, is not told of this person's message.
    const subscription = looking ? undefined : await repository.find(id)
    if (subscription?.address !== address) {
      await jobs.finish(job)
      return
    }
    const status = await this.#sender.send(subscription, message).catch(() => null)
    if (status !== null && status >= 200 && status < 300) {
      await repository.used(id, timestamp(this.#options.clock))
      await jobs.finish(job)
    } else if (status === 404 || status === 410) {
      // The browser unsubscribed or its subscription expired: the push service will never take one again.
      await repository.expire(id)
      await jobs.finish(job)
    } else if ((status === null || status === 429 || status >= 500) && job.attempts < MAX_ATTEMPTS) {
      await jobs.retry(job, this.#options.clock.now() + retryDelayMs(job.attempts))
    } else {
      this.#dropped(`a push to subscription ${id} was dropped: ${status === null ? 'its push service could not be reached' : `its push service answered ${status}`}`)
      await jobs.finish(job)
    }
  }
}

function toSubscription(record: SubscriptionRecord): PushSubscription {
  return { id: record.id, endpoint: record.endpoint, user_agent: record.user_agent, created_at: record.created_at, last_used_at: record.last_used_at }
}
