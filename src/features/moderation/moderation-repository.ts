import type { Insertable, Kysely, Selectable, Transaction } from 'kysely'
import type { AuditTable, ModerationTables, ReportTable, SuspensionTable } from './moderation-tables.js'

export type ReportRecord = Selectable<ReportTable>
export type SuspensionRecord = Selectable<SuspensionTable>
export type AuditRecord = Selectable<AuditTable>
export type NewAuditEntry = Omit<Insertable<AuditTable>, 'id' | 'created_at'>

/**
 * Reports, suspensions and the audit log. Every moderator action writes its audit row in its
 * own transaction, so an action is never done without its record, nor recorded undone; no
 * method changes or deletes an audit row.
 */
export class ModerationRepository {
  readonly #db: Kysely<ModerationTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<ModerationTables>()
  }

  async createReport(report: Omit<Insertable<ReportTable>, 'id'>): Promise<ReportRecord> {
    return this.#db.insertInto('reports').values(report).returningAll().executeTakeFirstOrThrow()
  }

  async findReport(id: number): Promise<ReportRecord | undefined> {
    return this.#db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Reports, newest first; all of them, or those of one status. */
  async listReports(status: ReportTable['status'] | undefined, limit: number, offset: number) {
    let query = this.#db.selectFrom('reports')
    if (status !== undefined) query = query.where('status', '=', status)
    const [{ count }, reports] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), reports }
  }

  /** Resolves an open report and audits it; undefined when it was not open (any more). */
  async resolveReport(id: number, resolution: { moderator: string; text: string; now: string }): Promise<ReportRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const resolved = await trx
        .updateTable('reports')
        .set({ status: 'resolved', resolved_by: resolution.moderator, resolved_at: resolution.now, resolution: resolution.text })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .returningAll()
        .executeTakeFirst()
      if (resolved) {
        await audit(trx, resolution.now, {
          moderator: resolution.moderator,
          action: 'report_resolved',
          target: String(id),
          details: JSON.stringify({ resolution: resolution.text }),
        })
      }
      return resolved
    })
  }

  /** Records a suspension and audits it; undefined when the address is suspended already. */
  async suspend(suspension: { address: string; reason: string; moderator: string; until: string | null; now: string }) {
    return this.#db.transaction().execute(async (trx) => {
      if (await activeSuspension(trx, suspension.address, suspension.now)) return undefined
      const created = await trx
        .insertInto('suspensions')
        .values({
          address: suspension.address,
          reason: suspension.reason,
          suspended_by: suspension.moderator,
          created_at: suspension.now,
          until: suspension.until,
          lifted_by: null,
          lifted_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await audit(trx, suspension.now, {
        moderator: suspension.moderator,
        action: 'suspended',
        target: suspension.address,
        details: JSON.stringify({ reason: suspension.reason, until: suspension.until }),
      })
      return created
    })
  }

  /** Lifts the address's active suspensions and audits it; false when none was active. */
  /** Records an action done elsewhere (a message removed in the chat). */
  async record(entry: NewAuditEntry, now: string): Promise<void> {
    await audit(this.#db, now, entry)
  }

  async lift(address: string, moderator: string, now: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const lifted = await trx
        .updateTable('suspensions')
        .set({ lifted_by: moderator, lifted_at: now })
        .where('address', '=', address)
        .where('lifted_at', 'is', null)
        .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
        .executeTakeFirst()
      if (lifted.numUpdatedRows === 0n) return false
      await audit(trx, now, { moderator, action: 'suspension_lifted', target: address, details: '{}' })
      return true
    })
  }

  async isSuspended(address: string, now: string): Promise<boolean> {
    return (await activeSuspension(this.#db, address, now)) !== undefined
  }

  /** Suspensions in force at `now`, newest first. */
  async activeSuspensions(now: string, limit: number, offset: number) {
    const query = this.#db
      .selectFrom('suspensions')
      .where('lifted_at', 'is', null)
      .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
    const [{ count }, suspensions] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), suspensions }
  }

  /** The audit log, newest first. */
  async auditLog(limit: number, offset: number) {
    const [{ count }, entries] = await Promise.all([
      this.#db.selectFrom('moderation_audit').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow(),
      this.#db.selectFrom('moderation_audit').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), entries }
  }
}

type ModerationDb = Kysely<ModerationTables> | Transaction<ModerationTables>

async function activeSuspension(db: ModerationDb, address: string, now: string) {
  return db
    .selectFrom('suspensions')
    .select('id')
    .where('address', '=', address)
    .where('lifted_at', 'is', null)
    .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
    .limit(1)
    .executeTakeFirst()
}

async function audit(trx: Kysely<ModerationTables>, now: string, entry: NewAuditEntry): Promise<void> {
  await trx.insertInto('moderation_audit').values({ ...entry, created_at: now }).execute()
}
