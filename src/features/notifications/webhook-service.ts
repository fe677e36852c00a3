import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { Kysely, Transaction } from 'kysely'
import { timestamp, type Clock } from '../../core/clock.js'
import { Conflict, Forbidden, Invalid, NotFound } from '../../core/errors.js'
import { JobWorker, type Job, type JobQueue } from '../../core/jobs/job-queue.js'
import type { RecordedChatEvent } from '../chat/index.js'
import type { ShopService } from '../shops/index.js'
import { othersThanActor, type NotificationChannel, type NotificationService } from './notification-service.js'
import type { AttemptRecord, DeliveryRecord, EndpointRecord, WebhookRepository } from './webhook-repository.js'
import { checkEndpointUrl, newSecret, nextAttemptDelay, PING, signatureHeader, webhookEventOf, type WebhookEvent } from './webhook-rules.js'
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from './webhook-schemas.js'
import { send, type SenderOptions } from './webhook-sender.js'

/** The queue of deliveries to make, one job per delivery row. */
export const WEBHOOK_QUEUE = 'webhooks'

const MAX_ENDPOINTS = 10
/** How long the secret before a rotation keeps signing: receivers switch without a gap. */
const ROTATION_OVERLAP_MS = 86_400_000
const RETRY_CAP_MS = 3_600_000
/** Of an endpoint's answer, only the status matters: the rest is read up to this and dropped. */
const MAX_RESPONSE_BYTES = 65_536
/** How long the log keeps a finished delivery. */
const LOG_KEPT_MS = 30 * 86_400_000
/** Attempts claimed at once, and the most one node has under way. */
const BATCH = 20
const MAX_IN_FLIGHT = 100

export interface WebhookParts {
  repository: WebhookRepository
  jobs: JobQueue
  db: Kysely<object>
  notifications: NotificationService
  shops: ShopService
}

export interface WebhookOptions extends Omit<SenderOptions, 'maxResponseBytes' | 'signal'> {
  clock: Clock
  /** The first retry's wait; each next one doubles, up to an hour. */
  retryBaseMs: number
  /** How long after its first due time a delivery is tried before it is failed. */
  retryForMs: number
  /** Failed attempts in a row, over all deliveries, that disable an endpoint. */
  disableAfter: number
}

interface DeliveryJob {
  delivery: number
}

/**
 * Webhooks (docs/api.md §15.2): endpoints their owners register, a delivery per chat event
 * written in the fan-out's transaction, and a worker on every node that makes each one,
 * signed, retried with backoff until it succeeds or its day runs out.
 */
export class WebhookService implements NotificationChannel {
  readonly #parts: WebhookParts
  readonly #options: WebhookOptions
  #worker: JobWorker<DeliveryJob> | undefined
  readonly #inFlight = new Set<Promise<void>>()
  readonly #stopping = new AbortController()

  constructor(parts: WebhookParts, options: WebhookOptions) {
    this.#parts = parts
    this.#options = options
    // Each attempt under way listens for the shutdown: up to MAX_IN_FLIGHT at once, no leak.
    setMaxListeners(MAX_IN_FLIGHT, this.#stopping.signal)
  }

  async create(owner: string, body: { url: string; events: WebhookEvent[]; shop_id?: number | null; description?: string }): Promise<WebhookEndpointWithSecret> {
    const url = checkEndpointUrl(body.url, this.#options.allowPrivate)
    if (body.shop_id !== undefined && body.shop_id !== null) await this.#checkShopOwner(owner, body.shop_id)
    if ((await this.#parts.repository.countOwned(owner)) >= MAX_ENDPOINTS) {
      throw new Invalid('non_field_errors', `An address may register at most ${MAX_ENDPOINTS} webhook endpoints.`)
    }
    const secret = newSecret()
    const endpoint = await this.#parts.repository.create({
      public_id: randomUUID(),
      owner,
      url,
      events: JSON.stringify(body.events),
      shop_id: body.shop_id ?? null,
      description: body.description ?? '',
      secret,
      consecutive_failures: 0,
      created_at: timestamp(this.#options.clock),
    })
    return { ...toEndpoint(endpoint), secret }
  }

  async list(owner: string, limit: number, offset: number): Promise<{ count: number; endpoints: WebhookEndpoint[] }> {
    const { count, endpoints } = await this.#parts.repository.list(owner, limit, offset)
    return { count, endpoints: endpoints.map(toEndpoint) }
  }

  async get(owner: string, id: string): Promise<WebhookEndpoint> {
    return toEndpoint(await this.#owned(owner, id))
  }

  async update(owner: string, id: string, patch: { url?: string; events?: WebhookEvent[]; description?: string; enabled?: boolean }): Promise<WebhookEndpoint> {
    const endpoint = await this.#owned(owner, id)
    const url = patch.url === undefined ? undefined : checkEndpointUrl(patch.url, this.#options.allowPrivate)
    const enabling = patch.enabled === true && endpoint.disabled_at !== null
    const disabling = patch.enabled === false && endpoint.disabled_at === null
    const changes = Object.fromEntries(
      Object.entries({
        url,
        events: patch.events && JSON.stringify(patch.events),
        description: patch.description,
        ...(enabling && { disabled_at: null, disabled_reason: null, consecutive_failures: 0 }),
        ...(disabling && { disabled_at: timestamp(this.#options.clock), disabled_reason: 'Disabled by its owner.' }),
      }).filter(([, value]) => value !== undefined),
    )
    // An empty patch changes nothing, and an UPDATE with nothing to set is no SQL at all.
    if (Object.keys(changes).length === 0) return toEndpoint(endpoint)
    const updated = await this.#parts.repository.update(endpoint.id, changes)
    if (enabling) await this.#requeue(endpoint.id)
    return toEndpoint(updated)
  }

  async delete(owner: string, id: string): Promise<void> {
    await this.#parts.repository.delete((await this.#owned(owner, id)).id)
  }

  async rotateSecret(owner: string, id: string): Promise<WebhookEndpointWithSecret> {
    const endpoint = await this.#owned(owner, id)
    const secret = newSecret()
    const updated = await this.#parts.repository.update(endpoint.id, {
      secret,
      previous_secret: endpoint.secret,
      previous_secret_expires_at: timestamp(this.#options.clock, ROTATION_OVERLAP_MS),
    })
    return { ...toEndpoint(updated), secret }
  }

  /** Queues a 'ping' to the endpoint now, outside quiet hours and preferences: its owner asked. */
  async test(owner: string, id: string): Promise<WebhookDelivery> {
    const endpoint = await this.#owned(owner, id)
    if (endpoint.disabled_at !== null) throw new Conflict('This endpoint is disabled; enable it first.')
    const delivery = this.#delivery(endpoint, randomUUID(), PING, { webhook: endpoint.public_id }, this.#options.clock.now())
    const [added] = await this.#queueNow((trx) => this.#parts.repository.addDeliveries(trx, [delivery]))
    return toDelivery({ ...delivery, id: added!, last_status_code: null, last_error: null, delivered_at: null })
  }

  async deliveries(owner: string, id: string, limit: number, offset: number): Promise<{ count: number; deliveries: WebhookDelivery[] }> {
    const { count, deliveries } = await this.#parts.repository.deliveries((await this.#owned(owner, id)).id, limit, offset)
    return { count, deliveries: deliveries.map(toDelivery) }
  }

  /** Sends a finished delivery again (the same event id and body), with a fresh retry window. */
  async redeliver(owner: string, id: string, deliveryId: number): Promise<WebhookDelivery> {
    const endpoint = await this.#owned(owner, id)
    if (endpoint.disabled_at !== null) throw new Conflict('This endpoint is disabled; enable it first.')
    const delivery = await this.#parts.repository.delivery(endpoint.id, deliveryId)
    if (!delivery) throw new NotFound()
    const again = { status: 'pending' as const, ...this.#freshWindow() }
    // Conditional, so two calls at once queue it once: the second finds it pending.
    const [revived] = await this.#queueNow(async (trx) => ((await this.#parts.repository.revive(trx, delivery.id, again)) ? [delivery.id] : []))
    if (revived === undefined) throw new Conflict('This delivery is still pending.')
    return toDelivery({ ...delivery, ...again })
  }

  /** Drops finished deliveries older than 30 days from every log (housekeeping). */
  prune(): Promise<void> {
    return this.#parts.repository.prune(timestamp(this.#options.clock, -LOG_KEPT_MS))
  }

  /** Forgets an address's endpoints and their logs (account erasure). */
  erase(owner: string): Promise<void> {
    return this.#parts.repository.erase(owner)
  }

  /** Starts making deliveries on this node; every node may run it, each delivery attempt goes once. */
  start(onError: (error: unknown) => void): void {
    const { timeoutMs, retryBaseMs } = this.#options
    this.#worker = new JobWorker<DeliveryJob>(this.#parts.jobs, WEBHOOK_QUEUE, (jobs) => this.#begin(jobs, onError), {
      batch: BATCH,
      // A lease outlasts the slowest attempt (its timeout), so only a crashed node's jobs are taken over.
      leaseMs: 2 * timeoutMs,
      pollMs: Math.min(1_000, retryBaseMs),
      onError,
    }).start()
  }

  wake(): void {
    this.#worker?.wake()
  }

  /** Delivery attempts waiting in the queue, due or not (metrics, tests). */
  queued(): Promise<number> {
    return this.#parts.jobs.size(WEBHOOK_QUEUE)
  }

  /** Claims no more, and cuts the attempts under way short: a shutdown never waits for an endpoint. */
  async stop(): Promise<void> {
    await this.#worker?.stop()
    this.#stopping.abort()
    await Promise.allSettled(this.#inFlight)
  }

  /**
   * Starts a claimed batch's attempts and returns once there is room for another batch, not
   * when these end: an endpoint that hangs until its timeout holds up its own attempts only.
   */
  async #begin(jobs: Job<DeliveryJob>[], onError: (error: unknown) => void): Promise<void> {
    for (const job of jobs) {
      const attempt: Promise<void> = this.#attempt(job)
        .catch(onError)
        .finally(() => this.#inFlight.delete(attempt))
      this.#inFlight.add(attempt)
    }
    while (this.#inFlight.size > MAX_IN_FLIGHT - BATCH) await Promise.race(this.#inFlight)
  }

  /** Webhooks tell of every recorded event, to owners of an enabled endpoint. */
  async listens(trx: Transaction<object>, event: RecordedChatEvent): Promise<boolean> {
    return this.#parts.repository.anyEnabled(trx, othersThanActor(event))
  }

  /** The deliveries a recorded chat event makes: one per endpoint of a recipient who may hear of it. */
  async plan(event: RecordedChatEvent) {
    const type = webhookEventOf(event)
    const endpoints = (await this.#parts.repository.subscribed(othersThanActor(event))).filter(
      (endpoint) => (JSON.parse(endpoint.events) as string[]).includes(type) && (endpoint.shop_id === null || endpoint.shop_id === event.thread.shop_id),
    )
    if (endpoints.length === 0) return undefined
    const reach = await this.#parts.notifications.reach('webhooks', event, [...new Set(endpoints.map((endpoint) => endpoint.owner))])
    const now = this.#options.clock.now()
    const dueOf = new Map(reach.map(({ address, notBefore }) => [address, notBefore ?? now]))
    const eventId = randomUUID()
    const planned = endpoints.flatMap((endpoint) => {
      const due = dueOf.get(endpoint.owner)
      return due === undefined ? [] : [{ due, delivery: this.#delivery(endpoint, eventId, type, event.data, due) }]
    })
    if (planned.length === 0) return undefined
    return async (trx: Transaction<object>) => {
      const ids = await this.#parts.repository.addDeliveries(trx, planned.map(({ delivery }) => delivery))
      // Quiet hours hold a delivery back: its job is due when they end.
      for (const [index, { due }] of planned.entries()) await this.#parts.jobs.enqueue(trx, WEBHOOK_QUEUE, [{ delivery: ids[index] }], due)
    }
  }

  #delivery(endpoint: EndpointRecord, eventId: string, type: string, data: unknown, due: number) {
    const createdAt = new Date(this.#options.clock.now()).toISOString()
    return {
      endpoint_id: endpoint.id,
      event_id: eventId,
      event_type: type,
      payload: JSON.stringify({ id: eventId, type, created_at: createdAt, data }),
      status: 'pending' as const,
      attempts: 0,
      next_attempt_at: new Date(due).toISOString(),
      retry_until: new Date(due + this.#options.retryForMs).toISOString(),
      created_at: createdAt,
    }
  }

  /** One attempt of one delivery, its outcome written with the job's end or its next try. */
  async #attempt(job: Job<DeliveryJob>): Promise<void> {
    const { repository, jobs, db } = this.#parts
    const delivery = await repository.attempt(job.payload.delivery)
    // A deleted endpoint took its deliveries; a disabled one parks them, pending, with no job
    // (no next attempt), until enabled again queues them: one job per delivery, never two.
    if (!delivery || delivery.status !== 'pending' || delivery.disabled_at !== null) {
      await db.transaction().execute(async (trx) => {
        if (delivery?.status === 'pending') await repository.updateDelivery(trx, delivery.id, { next_attempt_at: null })
        await jobs.finish(job, trx)
      })
      return
    }
    const now = this.#options.clock.now()
    const outcome = await send(delivery.url, delivery.payload, this.#headers(delivery, now), {
      ...this.#options,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      signal: this.#stopping.signal,
    })
    // Cut short by a shutdown, the attempt counts as nothing: its lease runs out and it is made again.
    if (this.#stopping.signal.aborted) return
    const attempts = delivery.attempts + 1
    const at = new Date(now).toISOString()
    if (outcome.error === null) {
      await db.transaction().execute(async (trx) => {
        // The endpoint's row before its delivery's, in the order a deletion of the endpoint takes them (no deadlock).
        await repository.resetFailures(trx, delivery.endpoint_id)
        await repository.updateDelivery(trx, delivery.id, { status: 'delivered', attempts, last_status_code: outcome.statusCode, last_error: null, next_attempt_at: null, delivered_at: at })
        await jobs.finish(job, trx)
      })
      return
    }
    const retryAt = now + nextAttemptDelay(attempts, this.#options.retryBaseMs, RETRY_CAP_MS)
    const givingUp = retryAt > Date.parse(delivery.retry_until)
    await db.transaction().execute(async (trx) => {
      // The endpoint's row before its delivery's, as above.
      const failures = await repository.addFailure(trx, delivery.endpoint_id)
      await repository.updateDelivery(trx, delivery.id, {
        status: givingUp ? 'failed' : 'pending',
        attempts,
        last_status_code: outcome.statusCode,
        last_error: outcome.error,
        next_attempt_at: givingUp ? null : new Date(retryAt).toISOString(),
      })
      if (givingUp) {
        await repository.disable(trx, delivery.endpoint_id, `A delivery failed for its whole retry window (WEBHOOK_RETRY_FOR); the last attempt: ${outcome.error}`, at)
        await jobs.finish(job, trx)
      } else if (failures >= this.#options.disableAfter) {
        await repository.disable(trx, delivery.endpoint_id, `${failures} attempts in a row failed; the last: ${outcome.error}`, at)
      }
    })
    if (!givingUp) await jobs.retry(job, retryAt)
  }

  #headers(delivery: AttemptRecord, now: number): Record<string, string> {
    const rotating = delivery.previous_secret !== null && Date.parse(delivery.previous_secret_expires_at ?? '') > now
    const secrets = rotating ? [delivery.secret, delivery.previous_secret!] : [delivery.secret]
    return {
      'vfx-signature': signatureHeader(delivery.payload, Math.floor(now / 1000), secrets),
      'vfx-event-id': delivery.event_id,
      'vfx-event-type': delivery.event_type,
    }
  }

  /** Queues again, from now, the deliveries an endpoint parked while it was disabled. */
  async #requeue(endpointId: number): Promise<void> {
    const ids = await this.#parts.repository.parked(endpointId)
    await this.#queueNow(async (trx) => {
      for (const id of ids) await this.#parts.repository.updateDelivery(trx, id, this.#freshWindow())
      return ids
    })
  }

  /** Runs `write` (it adds or revives deliveries, answering their ids) and queues each now, in one transaction. */
  async #queueNow(write: (trx: Transaction<object>) => Promise<number[]>): Promise<number[]> {
    const ids = await this.#parts.db.transaction().execute(async (trx) => {
      const written = await write(trx)
      await this.#parts.jobs.enqueue(trx, WEBHOOK_QUEUE, written.map((delivery) => ({ delivery })))
      return written
    })
    this.wake()
    return ids
  }

  /** A delivery due now, tried for a whole retry window from now. */
  #freshWindow() {
    const now = this.#options.clock.now()
    return { next_attempt_at: new Date(now).toISOString(), retry_until: new Date(now + this.#options.retryForMs).toISOString() }
  }

  async #owned(owner: string, id: string): Promise<EndpointRecord> {
    const endpoint = await this.#parts.repository.owned(owner, id)
    if (!endpoint) throw new NotFound()
    return endpoint
  }

  async #checkShopOwner(owner: string, shopId: number): Promise<void> {
    const shop = await this.#parts.shops.get(shopId).catch((error: unknown) => {
      if (error instanceof NotFound) throw new Invalid('shop_id', 'No such shop.')
      throw error
    })
    if (shop.owner_address !== owner) throw new Forbidden("Only the shop's owner may register a webhook for its threads.")
  }
}

function toEndpoint(endpoint: EndpointRecord): WebhookEndpoint {
  return {
    id: endpoint.public_id,
    url: endpoint.url,
    events: JSON.parse(endpoint.events) as string[],
    shop_id: endpoint.shop_id,
    description: endpoint.description,
    enabled: endpoint.disabled_at === null,
    disabled_at: endpoint.disabled_at,
    disabled_reason: endpoint.disabled_reason,
    consecutive_failures: endpoint.consecutive_failures,
    previous_secret_expires_at: endpoint.previous_secret_expires_at,
    created_at: endpoint.created_at,
  }
}

function toDelivery(delivery: Omit<DeliveryRecord, 'endpoint_id' | 'payload' | 'retry_until'>): WebhookDelivery {
  return {
    id: delivery.id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.next_attempt_at,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    created_at: delivery.created_at,
    delivered_at: delivery.delivered_at,
  }
}
