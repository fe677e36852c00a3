import type { Transaction } from 'kysely'
import { timestamp, type Clock } from '../../core/clock.js'
import { Invalid, NotFound, RateLimited } from '../../core/errors.js'
import { JobWorker, type Job, type JobQueue } from '../../core/jobs/job-queue.js'
import { secretHash } from '../../core/secret-hash.js'
import type { RecordedChatEvent, UnreadThread } from '../chat/index.js'
import { confirmPage, digestMail, donePage, verificationMail } from './email-messages.js'
import type { EmailAddressRecord, EmailRepository } from './email-repository.js'
import { checkEmail, newToken, VERIFICATION_INTERVAL_MS, VERIFICATION_TTL_MS } from './email-rules.js'
import type { EmailAddress } from './email-schemas.js'
import type { MailSender } from './email-sender.js'
import { quietUntil } from './notification-rules.js'
import { othersThanActor, type NotificationChannel, type NotificationService } from './notification-service.js'

/** The queue of e-mail work: a verification link to mail, or a person's digest to consider. */
export const EMAIL_JOBS = 'email'

type EmailJob = { kind: 'verification'; address: string; email: string } | { kind: 'digest'; address: string }

export interface EmailParts {
  repository: EmailRepository
  jobs: JobQueue
  notifications: NotificationService
  /** What an address has not read past a message id, per thread: the chat answers. */
  unreadSince(address: string, afterId: number): Promise<UnreadThread[]>
  /** The newest message id: a newly verified address hears only of what comes after. */
  lastMessageId(): Promise<number>
  /** Null without SMTP_URL: e-mail is off on this server. */
  sender: MailSender | null
}

export interface EmailOptions {
  /** PUBLIC_URL: where the links in mails point. */
  publicUrl: string | null
  clock: Clock
}

const MINUTE_MS = 60_000
/** A job holds its batch longer than the sending lease, which outlasts the SMTP timeouts. */
const WORKER = { batch: 20, leaseMs: 180_000, pollMs: 1_000 }
const SENDING_LEASE_MS = 120_000
/** Tries of a mail the SMTP server keeps refusing, backing off from 30 s to an hour. */
const MAX_ATTEMPTS = 8
const LINKS = '/api/notifications/email'
const NO_ADDRESS = 'No e-mail address is set.'
const BAD_LINK = 'This link is invalid or has expired.'

/**
 * E-mail digests (docs/api.md §15.4): a person binds an address by following a mailed link;
 * every new message from someone else plans one digest job per reached person, due after
 * their `digest_after_minutes` (or the end of their quiet hours); when due, the job tells of
 * everything still unread and not yet told, in one mail, once in the cluster.
 */
export class EmailService implements NotificationChannel {
  readonly #parts: EmailParts
  readonly #options: EmailOptions
  #worker: JobWorker<EmailJob> | undefined

  constructor(parts: EmailParts, options: EmailOptions) {
    this.#parts = parts
    this.#options = options
  }

  async address(caller: string): Promise<EmailAddress> {
    this.#sender()
    const record = await this.#parts.repository.find(caller)
    if (!record) throw new NotFound(NO_ADDRESS)
    return toEmailAddress(record)
  }

  /** The address bound to `caller`, whether or not e-mail is on now (their data's export). */
  async boundAddress(caller: string): Promise<EmailAddress | null> {
    const record = await this.#parts.repository.find(caller)
    return record ? toEmailAddress(record) : null
  }

  /** Binds `email` and mails its link (`mailed`); the address already verified changes nothing. */
  async bind(caller: string, requested: string): Promise<{ address: EmailAddress; mailed: boolean }> {
    this.#sender()
    const email = checkEmail(requested)
    const now = this.#options.clock.now()
    const current = await this.#parts.repository.find(caller)
    if (current?.email === email && current.verified_at !== null) return { address: toEmailAddress(current), mailed: false }
    const at = new Date(now).toISOString()
    const job: EmailJob = { kind: 'verification', address: caller, email }
    const bound = await this.#parts.repository.bind(
      { address: caller, email, verification_asked_at: at, unsubscribe_token: newToken(), created_at: at },
      new Date(now - VERIFICATION_INTERVAL_MS).toISOString(),
      (trx) => this.#parts.jobs.enqueue(trx, EMAIL_JOBS, [job]),
    )
    if (!bound) {
      const askedAt = current ? Date.parse(current.verification_asked_at) : now
      throw new RateLimited(Math.max(1, Math.ceil((askedAt + VERIFICATION_INTERVAL_MS - now) / 1000)))
    }
    this.#worker?.wake()
    return { address: { email, verified: false }, mailed: true }
  }

  async remove(caller: string): Promise<void> {
    this.#sender()
    if (!(await this.#parts.repository.remove(caller))) throw new NotFound(NO_ADDRESS)
  }

  /** Verifies the address whose link carried `token`; a link works once, within VERIFICATION_TTL_MS. */
  async verify(token: string): Promise<EmailAddress> {
    this.#sender()
    const record = await this.#parts.repository.verify(secretHash(token), timestamp(this.#options.clock), await this.#parts.lastMessageId())
    if (!record) throw new Invalid('token', BAD_LINK)
    return toEmailAddress(record)
  }

  /** One-click unsubscribe: turns the e-mail channel off for whoever the token names. */
  async unsubscribe(token: string): Promise<void> {
    this.#sender()
    const record = await this.#parts.repository.byUnsubscribeToken(token)
    if (!record) throw new Invalid('token', BAD_LINK)
    await this.#parts.notifications.updatePreferences(record.address, { email: false })
  }

  /** The pages a mail's links open in a browser; they look nothing up, so a scanner's GET learns nothing. */
  linkPage(link: 'verify' | 'unsubscribe', token: string): string {
    this.#sender()
    const action = `?token=${encodeURIComponent(token)}`
    return link === 'verify'
      ? confirmPage({ title: 'Confirm your e-mail address', explanation: 'Digests of unread messages will come to this address.', action, button: 'Confirm' })
      : confirmPage({
          title: 'Turn e-mail digests off',
          explanation: 'No more digests will come; you can turn them on again in the preferences.',
          action,
          button: 'Turn off',
          fields: { 'List-Unsubscribe': 'One-Click' },
        })
  }

  /** What a browser that confirmed a link sees. */
  donePage(link: 'verify' | 'unsubscribe'): string {
    return link === 'verify'
      ? donePage('E-mail address confirmed', 'Digests of unread messages will come to it.')
      : donePage('E-mail digests are off', 'No more digests will come.')
  }

  /** Forgets the person's address (account erasure). */
  async erase(address: string): Promise<void> {
    await this.#parts.repository.remove(address)
  }

  /** Digests tell of new messages, to people with a verified address, when the server can mail. */
  async listens(trx: Transaction<object>, event: RecordedChatEvent): Promise<boolean> {
    return event.type === 'message' && this.#parts.sender !== null && this.#parts.repository.anyVerified(trx, othersThanActor(event))
  }

  /**
   * For each recipient of a new message whom e-mail may reach, plans their digest: due after
   * their delay, or the end of their quiet hours, unless one is already planned for later.
   */
  async plan(event: RecordedChatEvent): Promise<((trx: Transaction<object>) => Promise<void>) | undefined> {
    if (event.type !== 'message' || !this.#parts.sender) return undefined
    const bound = await this.#parts.repository.verifiedAmong(othersThanActor(event))
    const reached = await this.#parts.notifications.reach('email', event, bound)
    if (reached.length === 0) return undefined
    const now = this.#options.clock.now()
    const due = await Promise.all(
      reached.map(async ({ address, notBefore }) => {
        const { digest_after_minutes } = await this.#parts.notifications.preferences(address)
        return { address, at: Math.max(now + digest_after_minutes * MINUTE_MS, notBefore ?? 0) }
      }),
    )
    return async (trx) => {
      for (const { address, at } of due) {
        if (await this.#parts.repository.planDigest(trx, address, new Date(at).toISOString(), new Date(now).toISOString())) {
          await this.#parts.jobs.enqueue(trx, EMAIL_JOBS, [{ kind: 'digest', address } satisfies EmailJob], at)
        }
      }
    }
  }

  /** Starts mailing on this node (with SMTP_URL); every node may run it. */
  start(onError: (error: unknown) => void): void {
    if (!this.#parts.sender) return
    this.#worker = new JobWorker<EmailJob>(this.#parts.jobs, EMAIL_JOBS, (jobs) => this.#runAll(jobs, onError), { ...WORKER, onError }).start()
  }

  /** Looks for due e-mail jobs now, instead of at the next poll. */
  wake(): void {
    this.#worker?.wake()
  }

  async stop(): Promise<void> {
    await this.#worker?.stop()
    this.#parts.sender?.close()
  }

  /** A batch's mails go side by side, over the sender's pool of connections. */
  async #runAll(jobs: Job<EmailJob>[], onError: (error: unknown) => void): Promise<void> {
    await Promise.all(jobs.map((job) => this.#run(job, onError)))
  }

  async #run(job: Job<EmailJob>, onError: (error: unknown) => void): Promise<void> {
    const queue = this.#parts.jobs
    try {
      const again = job.payload.kind === 'verification' ? await this.#mailVerification(job.payload) : await this.#digest(job.payload.address)
      if (again === null) await queue.finish(job)
      else await queue.retry(job, again)
    } catch (error) {
      onError(error)
      if (job.attempts >= MAX_ATTEMPTS) await queue.finish(job)
      else await queue.retry(job, this.#options.clock.now() + Math.min(30_000 * 2 ** (job.attempts - 1), 3_600_000))
    }
  }

  /** Mails a fresh link (only its hash is kept), unless the person bound another address meanwhile. */
  async #mailVerification({ address, email }: { address: string; email: string }): Promise<null> {
    const token = newToken()
    const expires = timestamp(this.#options.clock, VERIFICATION_TTL_MS)
    if (!(await this.#parts.repository.awaitVerification(address, email, secretHash(token), expires))) return null
    await this.#sender().send(verificationMail(email, `${this.#options.publicUrl}${LINKS}/verify/?token=${token}`))
    return null
  }

  /**
   * Sends `address` the digest of everything unread and untold in threads they did not mute
   * or decline, once its oldest message waited `digest_after_minutes` and quiet hours are
   * over; otherwise when to look again (null: nothing to tell).
   */
  async #digest(address: string): Promise<number | null> {
    const { repository, notifications } = this.#parts
    const record = await repository.find(address)
    if (!record?.verified_at) return null
    const preferences = await notifications.preferences(address)
    if (!preferences.email) return null
    const now = this.#options.clock.now()
    const quietEnd = quietUntil(preferences.quiet_hours, now)
    if (quietEnd !== null) return this.#postpone(address, quietEnd)
    const unread = await this.#parts.unreadSince(address, record.digested_up_to)
    const told = await notifications.unmutedThreads(address, unread.map((thread) => thread.id))
    const threads = unread.filter((thread) => told.has(thread.id))
    if (threads.length === 0) return null
    const ripe = Math.min(...threads.map((thread) => Date.parse(thread.oldestAt))) + preferences.digest_after_minutes * MINUTE_MS
    if (ripe > now) return this.#postpone(address, ripe)
    // Another node's job for the same person may be at this very point: one of them sends.
    const at = new Date(now).toISOString()
    if (!(await repository.takeDigest(address, record.digested_up_to, at, new Date(now + SENDING_LEASE_MS).toISOString()))) return null
    const mail = digestMail(record.email, threads, {
      previews: preferences.previews,
      publicUrl: this.#options.publicUrl!,
      unsubscribeUrl: `${this.#options.publicUrl}${LINKS}/unsubscribe/?token=${record.unsubscribe_token}`,
    })
    try {
      await this.#sender().send(mail)
    } catch (error) {
      await repository.releaseDigest(address)
      throw error
    }
    await repository.digestSent(address, Math.max(...threads.map((thread) => thread.newest.id)), at)
    return null
  }

  async #postpone(address: string, at: number): Promise<number> {
    await this.#parts.repository.postponeDigest(address, new Date(at).toISOString())
    return at
  }

  /** The SMTP sender, or the 404 every e-mail route answers while SMTP_URL is unset. */
  #sender(): MailSender {
    if (!this.#parts.sender) throw new NotFound('E-mail is not enabled on this server.')
    return this.#parts.sender
  }
}

function toEmailAddress(record: EmailAddressRecord): EmailAddress {
  return { email: record.email, verified: record.verified_at !== null }
}
