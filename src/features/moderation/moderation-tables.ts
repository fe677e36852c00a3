import type { Generated } from 'kysely'

/**
 * The moderation tables, as Kysely sees them. A report keeps its thread's uuid and its
 * evidence as data, never as a foreign key: the thread may be purged, the report stays.
 */
export type ModerationTables = {
  reports: ReportTable
  suspensions: SuspensionTable
  moderation_audit: AuditTable
}

export interface ReportTable {
  id: Generated<number>
  thread_uuid: string
  reporter: string
  reason: string
  status: 'open' | 'resolved'
  /** JSON array of the reported messages as the server held them at report time. */
  snapshot: string
  created_at: string
  resolved_by: string | null
  resolved_at: string | null
  resolution: string | null
}

export interface SuspensionTable {
  id: Generated<number>
  address: string
  reason: string
  suspended_by: string
  created_at: string
  /** When it ends by itself; null until lifted. */
  until: string | null
  lifted_by: string | null
  lifted_at: string | null
}

/** Append-only: rows are inserted with the action they record, and never changed or deleted. */
export interface AuditTable {
  id: Generated<number>
  moderator: string
  action: 'report_resolved' | 'suspended' | 'suspension_lifted' | 'message_removed'
  target: string
  /** JSON object of the action's particulars (resolution, reason, until). */
  details: string
  created_at: string
}
