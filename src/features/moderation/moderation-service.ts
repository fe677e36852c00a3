import { timestamp, type Clock } from '../../core/clock.js'
import { Conflict, Forbidden, Invalid, NotFound } from '../../core/errors.js'
import { parseTimestamp } from '../../core/time.js'
import { isValidAddress, type Network } from '../../core/vfx/address.js'
import type { AuthService } from '../auth/index.js'
import type { ChatService, Message, MessageChanges } from '../chat/index.js'
import type { AuditRecord, ModerationRepository, ReportRecord, SuspensionRecord } from './moderation-repository.js'
import type { AuditEntry, Report, ReportedMessage, Suspension } from './moderation-schemas.js'

export interface ModerationOptions {
  network: Network
  /** ADMIN_ADDRESSES: the operators who moderate. */
  operators: readonly string[]
  clock: Clock
}

/** The neighbours moderation works with. */
export interface ModerationParts {
  repository: ModerationRepository
  /** Asked for the reporter's own view of the reported messages, never for anyone else's. */
  chat: ChatService
  /** Removes a message for everyone. */
  changes: MessageChanges
  /** Ends a suspended address's sessions. */
  auth: AuthService
}

/** Messages a report keeps when the reporter names none. */
const LATEST_MESSAGES = 20

/**
 * Reports, suspensions and their audit log (docs/api.md §12). A report's evidence is taken
 * from the server's records as the reporter sees them, at report time; moderators read the
 * reports and nothing else of a thread.
 */
export class ModerationService {
  readonly #repository: ModerationRepository
  readonly #chat: ChatService
  readonly #changes: MessageChanges
  readonly #auth: AuthService
  readonly #options: ModerationOptions
  readonly #operators: ReadonlySet<string>

  constructor(parts: ModerationParts, options: ModerationOptions) {
    this.#repository = parts.repository
    this.#chat = parts.chat
    this.#changes = parts.changes
    this.#auth = parts.auth
    this.#options = options
    this.#operators = new Set(options.operators)
  }

  /**
   * Removes a message for everyone and records it. The chat and the audit log are two
   * features' tables: the removal comes first, so the log never claims what did not happen.
   */
  async removeMessage(caller: string, id: number, reason: string): Promise<void> {
    this.checkModerator(caller)
    const removed = await this.#changes.removeMessage(id)
    await this.#repository.record(
      { moderator: caller, action: 'message_removed', target: String(id), details: JSON.stringify({ ...removed, reason }) },
      this.#now(),
    )
  }

  /** Throws Forbidden unless the caller is an operator. */
  checkModerator(caller: string): void {
    if (!this.#operators.has(caller)) throw new Forbidden('You are not a moderator.')
  }

  /** The port auth asks at sign-in. */
  async isSuspended(address: string): Promise<boolean> {
    return this.#repository.isSuspended(address, this.#now())
  }

  /**
   * A participant's report of a thread: the given messages (or the latest 20), as the server
   * holds them now. An outsider gets the thread's 404; an id of no message of this thread, 400.
   */
  async report(caller: string, uuid: string, body: { reason: string; message_ids?: number[] }): Promise<Report> {
    if (!/\S/u.test(body.reason)) throw new Invalid('reason', 'This field may not be blank.')
    const messages = await this.#evidence(caller, uuid, body.message_ids)
    const record = await this.#repository.createReport({
      thread_uuid: uuid.toLowerCase(),
      reporter: caller,
      reason: body.reason,
      status: 'open',
      snapshot: JSON.stringify(messages),
      created_at: this.#now(),
      resolved_by: null,
      resolved_at: null,
      resolution: null,
    })
    return toReport(record)
  }

  async listReports(caller: string, status: Report['status'] | undefined, limit: number, offset: number) {
    this.checkModerator(caller)
    const { count, reports } = await this.#repository.listReports(status, limit, offset)
    return { count, results: reports.map(toReport) }
  }

  async reportDetail(caller: string, id: number): Promise<Report> {
    this.checkModerator(caller)
    const record = await this.#repository.findReport(id)
    if (!record) throw new NotFound()
    return toReport(record)
  }

  async resolve(caller: string, id: number, resolution: string): Promise<Report> {
    this.checkModerator(caller)
    if (!/\S/u.test(resolution)) throw new Invalid('resolution', 'This field may not be blank.')
    if (!(await this.#repository.findReport(id))) throw new NotFound()
    const resolved = await this.#repository.resolveReport(id, { moderator: caller, text: resolution, now: this.#now() })
    if (!resolved) throw new Conflict('This report is already resolved.')
    return toReport(resolved)
  }

  /**
   * Suspends an address: recorded (and audited) first, so no new sign-in succeeds; then every
   * token of it is deleted and each of its streams, on every node, is ended.
   */
  async suspend(caller: string, body: { address: string; reason: string; until?: string }): Promise<Suspension> {
    this.checkModerator(caller)
    const { address } = body
    if (!isValidAddress(address, this.#options.network)) {
      throw new Invalid('address', `Enter a valid VFX ${this.#options.network} address.`)
    }
    // A suspended operator could still moderate; an operator is removed from ADMIN_ADDRESSES instead.
    if (this.#operators.has(address)) throw new Invalid('address', 'An operator cannot be suspended.')
    if (!/\S/u.test(body.reason)) throw new Invalid('reason', 'This field may not be blank.')
    const now = this.#now()
    const until = body.until === undefined ? null : parseTimestamp(body.until)
    if (until === undefined) throw new Invalid('until', 'Datetime has wrong format. Use RFC 3339, e.g. 2024-01-01T12:00:00Z.')
    if (until !== null && until <= now) throw new Invalid('until', 'Must be in the future.')

    const record = await this.#repository.suspend({ address, reason: body.reason, moderator: caller, until, now })
    if (!record) throw new Conflict('This address is already suspended.')
    await this.#auth.revokeAll(address)
    return toSuspension(record)
  }

  async listSuspensions(caller: string, limit: number, offset: number) {
    this.checkModerator(caller)
    const { count, suspensions } = await this.#repository.activeSuspensions(this.#now(), limit, offset)
    return { count, results: suspensions.map(toSuspension) }
  }

  /** Lifts the address's suspension; NotFound when none is in force. */
  async lift(caller: string, address: string): Promise<void> {
    this.checkModerator(caller)
    if (!(await this.#repository.lift(address, caller, this.#now()))) throw new NotFound()
  }

  async auditLog(caller: string, limit: number, offset: number) {
    this.checkModerator(caller)
    const { count, entries } = await this.#repository.auditLog(limit, offset)
    return { count, results: entries.map(toAuditEntry) }
  }

  /** The reporter's view of the reported messages, as evidence; 404 for an outsider. */
  async #evidence(caller: string, uuid: string, ids: number[] | undefined): Promise<ReportedMessage[]> {
    let messages: Message[]
    if (ids === undefined) {
      messages = (await this.#chat.threadDetail(caller, uuid)).messages.slice(-LATEST_MESSAGES)
    } else {
      const wanted = [...new Set(ids)]
      messages = await this.#chat.messagesById(caller, uuid, wanted)
      const found = new Set(messages.map((message) => message.id))
      const missing = wanted.find((id) => !found.has(id))
      if (missing !== undefined) throw new Invalid('message_ids', `Invalid pk "${missing}" - object does not exist.`)
    }
    return messages.map((message) => ({
      id: message.id,
      sender: message.sender,
      content: message.content,
      timestamp: message.timestamp,
      attachments: message.attachments.map((attachment) => attachment.id),
    }))
  }

  #now(): string {
    return timestamp(this.#options.clock)
  }
}

function toReport(record: ReportRecord): Report {
  const { snapshot, ...report } = record
  return { ...report, messages: JSON.parse(snapshot) as ReportedMessage[] }
}

function toSuspension(record: SuspensionRecord): Suspension {
  return {
    id: record.id,
    address: record.address,
    reason: record.reason,
    suspended_by: record.suspended_by,
    created_at: record.created_at,
    until: record.until,
  }
}

function toAuditEntry(record: AuditRecord): AuditEntry {
  return { ...record, details: JSON.parse(record.details) as AuditEntry['details'] }
}
