import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, Id, Nullable, Page, PageQuery, Text, Timestamp, Uuid } from '../../core/http/schemas.js'

/** A reported message as the server held it when the report was made: evidence, not a live view. */
const ReportedMessage = Type.Object({
  id: Type.Integer(),
  sender: Type.String(),
  content: Type.String(),
  timestamp: Timestamp,
  attachments: Type.Array(Type.String(), { description: "The ids of the message's attachments." }),
})
export type ReportedMessage = Static<typeof ReportedMessage>

/**
 * A participant's report of a thread, with its snapshot of the reported messages
 * (docs/api.md §12). The `resolved_*` fields and `resolution` are null while it is open.
 */
export const Report = Type.Object(
  {
    id: Type.Integer(),
    thread_uuid: Type.String(),
    reporter: Type.String(),
    reason: Type.String(),
    status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
    created_at: Timestamp,
    resolved_by: Nullable(Type.String()),
    resolved_at: Nullable(Timestamp),
    resolution: Nullable(Type.String()),
    messages: Type.Array(ReportedMessage),
  },
  { $id: 'Report' },
)
export type Report = Static<typeof Report>

/** An address barred from signing in, until lifted or until `until`. */
export const Suspension = Type.Object(
  {
    id: Type.Integer(),
    address: Type.String(),
    reason: Type.String(),
    suspended_by: Type.String(),
    created_at: Timestamp,
    until: Nullable(Timestamp),
  },
  { $id: 'Suspension' },
)
export type Suspension = Static<typeof Suspension>

/** One moderator action, as the append-only audit log keeps it. */
export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    moderator: Type.String(),
    action: Type.Union([
      Type.Literal('report_resolved'),
      Type.Literal('suspended'),
      Type.Literal('suspension_lifted'),
      Type.Literal('message_removed'),
    ]),
    target: Type.String({ description: 'The report id, or the suspended address.' }),
    details: Type.Record(Type.String(), Nullable(Type.String()), { description: 'resolution; reason and until; nothing for a lift.' }),
    created_at: Timestamp,
  },
  { $id: 'AuditEntry' },
)
export type AuditEntry = Static<typeof AuditEntry>

const ReportParams = Type.Object({ id: Type.String({ maxLength: 16 }) })
const moderatorOnly = { tags: ['moderation'], security: [{ bearer: [] }] }

export const moderationSchemas = {
  report: {
    tags: ['moderation'],
    summary: "Report a thread to the operators, with a snapshot of its messages (given ids, or the latest 20)",
    security: [{ bearer: [] }],
    params: Type.Object({ uuid: Uuid }),
    body: Type.Object({
      reason: Text({ minLength: 1, maxLength: 1000 }),
      message_ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 50 })),
    }),
    response: { 201: Type.Ref(Report), ...errors(400, 401, 404) },
  },
  listReports: {
    ...moderatorOnly,
    summary: 'Reports, newest first (moderators only)',
    querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])) }),
    response: { 200: Page(Type.Ref(Report)), ...errors(400, 401, 403, 404) },
  },
  reportDetail: {
    ...moderatorOnly,
    summary: 'One report with its snapshot (moderators only)',
    params: ReportParams,
    response: { 200: Type.Ref(Report), ...errors(401, 403, 404) },
  },
  resolve: {
    ...moderatorOnly,
    summary: 'Resolve an open report (moderators only)',
    params: ReportParams,
    body: Type.Object({ resolution: Text({ minLength: 1, maxLength: 1000 }) }),
    response: { 200: Type.Ref(Report), ...errors(400, 401, 403, 404, 409) },
  },
  removeMessage: {
    ...moderatorOnly,
    summary: 'Remove a message for everyone: a tombstone says moderators removed it (moderators only)',
    params: Type.Object({ id: Type.String({ maxLength: 16 }) }),
    body: Type.Object({ reason: Text({ minLength: 1, maxLength: 1000 }) }),
    response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
  },
  suspend: {
    ...moderatorOnly,
    summary: "Suspend an address: its sessions end at once and it cannot sign in (moderators only)",
    body: Type.Object({
      address: Address,
      reason: Text({ minLength: 1, maxLength: 1000 }),
      until: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339; without it, until lifted.' })),
    }),
    response: { 201: Type.Ref(Suspension), ...errors(400, 401, 403, 409) },
  },
  listSuspensions: {
    ...moderatorOnly,
    summary: 'Suspensions in force, newest first (moderators only)',
    querystring: Type.Object(PageQuery),
    response: { 200: Page(Type.Ref(Suspension)), ...errors(401, 403, 404) },
  },
  lift: {
    ...moderatorOnly,
    summary: "Lift an address's suspension (moderators only)",
    params: Type.Object({ address: Type.String({ maxLength: 128 }) }),
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
  audit: {
    ...moderatorOnly,
    summary: 'The append-only log of moderator actions, newest first (moderators only)',
    querystring: Type.Object(PageQuery),
    response: { 200: Page(Type.Ref(AuditEntry)), ...errors(401, 403, 404) },
  },
}
