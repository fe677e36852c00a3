import type { Kysely, Transaction } from 'kysely'
import { timestamp, type Clock } from '../../core/clock.js'
import { Invalid, NotFound } from '../../core/errors.js'
import { JobWorker, type Job, type JobQueue } from '../../core/jobs/job-queue.js'
import type { RecordedChatEvent } from '../chat/index.js'
import type { ConsentService } from '../consent/index.js'
import type { MuteRecord, NotificationRepository, SettingsRecord } from './notification-repository.js'
import { checkQuietHours, quietUntil, type Channel, type QuietHours } from './notification-rules.js'
import type { NotificationPreferences, ThreadMute } from './notification-schemas.js'

/** The queue of recorded chat events, each fanned out once to every channel. */
export const CHAT_EVENTS = 'chat-events'

/**
 * What a channel makes of one recorded event, read outside any transaction (preferences,
 * endpoints): the writes it plans (its own jobs), which run in the transaction that retires
 * the event, so a crash repeats the whole fan-out or none of it.
 */
export type EventConsumer = (event: RecordedChatEvent) => Promise<((trx: Transaction<object>) => Promise<void>) | undefined>

/** A way of reaching people (webhooks, Web Push, e-mail), as the outbox drives it. */
export interface NotificationChannel {
  /**
   * Whether any of the event's recipients has something on this channel (an endpoint, a
   * browser, a verified address), asked in the transaction that records it: most people have
   * nothing, and an event no channel could deliver is not kept at all.
   */
  listens(trx: Transaction<object>, event: RecordedChatEvent): Promise<boolean>
  plan: EventConsumer
  /** The fan-out just committed jobs of this channel: look for them now, not at the next poll. */
  wake(): void
  /** Forgets what the channel keeps of a person (account erasure). */
  erase(address: string): Promise<void>
}

/** Whom an event is news to: everyone it names but who did it (no one is told of their own act). */
export function othersThanActor(event: RecordedChatEvent): string[] {
  return event.recipients.filter((address) => address !== event.actor)
}

/** Someone an event reaches on a channel, and from when (the end of their quiet hours). */
export interface Reach {
  address: string
  notBefore: number | null
  previews: boolean
}

export interface NotificationParts {
  repository: NotificationRepository
  jobs: JobQueue
  db: Kysely<object>
  consent: ConsentService
  /** The id of a thread the caller sees (NotFound otherwise): the chat answers. */
  threadOf(caller: string, uuid: string): Promise<{ id: number }>
}

const DEFAULTS: SettingsRecord = {
  push: 1,
  email: 1,
  webhooks: 1,
  previews: 0,
  quiet_start: null,
  quiet_end: null,
  time_zone: 'UTC',
  digest_after_minutes: 15,
}

/**
 * A fan-out that fails is tried again once its lease runs out; a woken one waits 5 ms for more
 * events, so a busy node retires them in batches (one claim and one transaction for many sends).
 */
export const FAN_OUT = { batch: 50, leaseMs: 30_000, pollMs: 1_000, gatherMs: 5 }

/**
 * People's notification preferences and mutes (docs/api.md §15), and the outbox every channel
 * starts from: the chat records each new message, thread and read in its own transaction
 * (`record`), and one node fans each out to the channels' consumers exactly once.
 */
export class NotificationService {
  readonly #parts: NotificationParts
  readonly #clock: Clock
  readonly #channels: NotificationChannel[] = []
  #fanOut: JobWorker<RecordedChatEvent> | undefined

  constructor(parts: NotificationParts, options: { clock: Clock }) {
    this.#parts = parts
    this.#clock = options.clock
  }

  async preferences(address: string): Promise<NotificationPreferences> {
    return toPreferences((await this.#parts.repository.settings([address])).get(address) ?? DEFAULTS)
  }

  async updatePreferences(address: string, patch: Partial<NotificationPreferences>): Promise<NotificationPreferences> {
    if (patch.quiet_hours) checkQuietHours(patch.quiet_hours)
    const merged = { ...(await this.preferences(address)), ...patch }
    const record = toRecord(merged)
    await this.#parts.repository.saveSettings(address, record)
    return toPreferences(record)
  }

  async mutes(address: string, limit: number, offset: number): Promise<{ count: number; mutes: ThreadMute[] }> {
    const { count, mutes } = await this.#parts.repository.mutes(address, limit, offset)
    return { count, mutes: mutes.map(toMute) }
  }

  async mute(address: string, uuid: string, until: string | null): Promise<ThreadMute> {
    if (until !== null && Date.parse(until) <= this.#clock.now()) throw new Invalid('until', 'Must be in the future.')
    const { id } = await this.#parts.threadOf(address, uuid)
    return toMute(await this.#parts.repository.mute(address, { id, uuid }, until && new Date(until).toISOString(), timestamp(this.#clock)))
  }

  async unmute(address: string, uuid: string): Promise<void> {
    const { id } = await this.#parts.threadOf(address, uuid)
    if (!(await this.#parts.repository.unmute(address, id))) throw new NotFound('This thread is not muted.')
  }

  /** Forgets a person's preferences and mutes (account erasure), and what each channel keeps of them. */
  async erase(address: string): Promise<void> {
    await this.#parts.repository.erase(address)
    for (const channel of this.#channels) await channel.erase(address)
  }

  /**
   * Keeps a chat event in the chat's transaction (the chat's RecordEvent), when some channel
   * could reach one of its recipients: a send among people with no channel writes no job.
   */
  async record(trx: Transaction<object>, event: RecordedChatEvent): Promise<void> {
    for (const channel of this.#channels) {
      if (await channel.listens(trx, event)) return this.#parts.jobs.enqueue(trx, CHAT_EVENTS, [event])
    }
  }

  /**
   * Of `addresses`, those `event`'s thread may reach on `channel` now or later: not the ones
   * who turned the channel off, muted the thread or declined it; quiet hours say from when.
   */
  async reach(channel: Channel, event: RecordedChatEvent, addresses: readonly string[]): Promise<Reach[]> {
    if (addresses.length === 0) return []
    const now = this.#clock.now()
    const [settings, muted, consent] = await Promise.all([
      this.#parts.repository.settings(addresses),
      this.#parts.repository.mutedBy(event.thread.id, addresses, new Date(now).toISOString()),
      this.#parts.consent.of([event.thread.id]),
    ])
    return addresses.flatMap((address) => {
      const chosen = settings.get(address) ?? DEFAULTS
      if (!chosen[channel] || muted.has(address) || consent.stateOf(event.thread.id, address) === 'declined') return []
      return [{ address, notBefore: quietUntil(quietHoursOf(chosen), now), previews: chosen.previews === 1 }]
    })
  }

  /** Of `threadIds`, those `address` has neither muted nor declined: what a digest may name. */
  async unmutedThreads(address: string, threadIds: readonly number[]): Promise<Set<number>> {
    const now = new Date(this.#clock.now()).toISOString()
    const [muted, consent] = await Promise.all([this.#parts.repository.mutedThreads(address, threadIds, now), this.#parts.consent.of(threadIds)])
    return new Set(threadIds.filter((id) => !muted.has(id) && consent.stateOf(id, address) !== 'declined'))
  }

  /** Adds a channel: every event recorded from now on reaches it. */
  addChannel(channel: NotificationChannel): void {
    this.#channels.push(channel)
  }

  /** Starts fanning recorded events out on this node; every node may run it, each event goes once. */
  start(onError: (error: unknown) => void): void {
    this.#fanOut = new JobWorker<RecordedChatEvent>(this.#parts.jobs, CHAT_EVENTS, (jobs) => this.#fanOutAll(jobs, onError), {
      ...FAN_OUT,
      onError,
    }).start()
  }

  /** Looks for recorded events now: a commit just announced one. */
  wake(): void {
    this.#fanOut?.wake()
  }

  async stop(): Promise<void> {
    await this.#fanOut?.stop()
  }

  /**
   * A batch of events in one transaction, each one's planned writes with its removal. A batch
   * that fails is tried again event by event, so one bad event holds up no other: it stays
   * leased, and is fanned out again when its lease runs out.
   */
  async #fanOutAll(jobs: Job<RecordedChatEvent>[], onError: (error: unknown) => void): Promise<void> {
    const planned: PlannedEvent[] = []
    for (const job of jobs) {
      try {
        planned.push({ job, writes: await Promise.all(this.#channels.map((channel) => channel.plan(job.payload))) })
      } catch (error) {
        onError(error)
      }
    }
    try {
      await this.#commit(planned)
    } catch (error) {
      if (planned.length === 1) return onError(error)
      for (const one of planned) await this.#commit([one]).catch(onError)
    }
  }

  async #commit(planned: PlannedEvent[]): Promise<void> {
    if (planned.length === 0) return
    await this.#parts.db.transaction().execute(async (trx) => {
      // An event another node took over after this lease ran out is that node's to fan out.
      const held = await this.#parts.jobs.finishAll(planned.map(({ job }) => job), trx)
      for (const { job, writes } of planned) {
        if (!held.has(job.id)) continue
        for (const write of writes) await write?.(trx)
      }
    })
    // A channel's worker looks for new jobs at once only when this batch gave it some.
    this.#channels.forEach((channel, index) => {
      if (planned.some(({ writes }) => writes[index])) channel.wake()
    })
  }
}

type PlannedEvent = { job: Job<RecordedChatEvent>; writes: Array<((trx: Transaction<object>) => Promise<void>) | undefined> }

function quietHoursOf(settings: SettingsRecord): QuietHours | null {
  return settings.quiet_start && settings.quiet_end ? { start: settings.quiet_start, end: settings.quiet_end, time_zone: settings.time_zone } : null
}

function toPreferences(settings: SettingsRecord): NotificationPreferences {
  return {
    push: settings.push === 1,
    email: settings.email === 1,
    webhooks: settings.webhooks === 1,
    previews: settings.previews === 1,
    quiet_hours: quietHoursOf(settings),
    digest_after_minutes: settings.digest_after_minutes,
  }
}

function toRecord(preferences: NotificationPreferences): SettingsRecord {
  const quiet = preferences.quiet_hours
  return {
    push: Number(preferences.push),
    email: Number(preferences.email),
    webhooks: Number(preferences.webhooks),
    previews: Number(preferences.previews),
    quiet_start: quiet?.start ?? null,
    quiet_end: quiet?.end ?? null,
    time_zone: quiet?.time_zone ?? DEFAULTS.time_zone,
    digest_after_minutes: preferences.digest_after_minutes,
  }
}

function toMute(mute: MuteRecord): ThreadMute {
  return { thread: mute.thread_uuid, until: mute.muted_until, created_at: mute.created_at }
}
