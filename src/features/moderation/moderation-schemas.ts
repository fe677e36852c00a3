import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, EXAMPLE, Id, Nullable, Page, PageQuery, StringEnum, Text, Timestamp, Uuid, withExample } from '../../core/http/schemas.js'

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
export const Report = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      thread_uuid: Type.String(),
      reporter: Type.String(),
      reason: Type.String(),
      status: StringEnum(['open', 'resolved']),
      created_at: Timestamp,
      resolved_by: Nullable(Type.String()),
      resolved_at: Nullable(Timestamp),
      resolution: Nullable(Type.String()),
      messages: Type.Array(ReportedMessage),
    },
    { $id: 'Report' },
  ),
  {
    id: 3,
    thread_uuid: EXAMPLE.threadUuid,
    reporter: EXAMPLE.shopOwner,
    reason: 'Asks to be paid outside the marketplace.',
    status: 'open',
    created_at: '2026-01-05T15:02:00.000Z',
    resolved_by: null,
    resolved_at: null,
    resolution: null,
    messages: [
      { id: 45, sender: EXAMPLE.buyer, content: 'Send the VFX to my own wallet instead.', timestamp: '2026-01-05T14:58:00.000Z', attachments: [] },
    ],
  },
)
export type Report = Static<typeof Report>

/** An address barred from signing in, until lifted or until `until`. */
export const Suspension = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      address: Type.String(),
      reason: Type.String(),
      suspended_by: Type.String(),
      created_at: Timestamp,
      until: Nullable(Timestamp),
    },
    { $id: 'Suspension' },
  ),
  {
    id: 1,
    address: EXAMPLE.buyer,
    reason: 'Repeated off-marketplace payment requests.',
    suspended_by: EXAMPLE.moderator,
    created_at: '2026-01-05T15:10:00.000Z',
    until: '2026-01-12T15:10:00.000Z',
  },
)
export type Suspension = Static<typeof Suspension>

/** One moderator action, as the append-only audit log keeps it. */
export const AuditEntry = withExample(
  Type.Object(
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
  ),
  {
    id: 9,
    moderator: EXAMPLE.moderator,
    action: 'suspended',
    target: EXAMPLE.buyer,
    details: { reason: 'Repeated off-marketplace payment requests.', until: '2026-01-12T15:10:00.000Z' },
    created_at: '2026-01-05T15:10:00.000Z',
  },
)
export type AuditEntry = Static<typeof AuditEntry>

const ReportParams = Type.Object({ id: Type.String({ maxLength: 16 }) })
const moderatorOnly = { tags: ['moderation'], security: [{ bearer: [] }] }

export const moderationSchemas = {
  report: {
    tags: ['moderation'],
    operationId: 'reportThread',
    summary: "Report a thread to the operators, with a snapshot of its messages (given ids, or the latest 20)",
    security: [{ bearer: [] }],
    params: Type.Object({ uuid: Uuid }),
    body: withExample(
      Type.Object({
        reason: Text({ minLength: 1, maxLength: 1000 }),
        message_ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 50 })),
      }),
      { reason: 'Asks to be paid outside the marketplace.', message_ids: [45] },
    ),
    response: { 201: Type.Ref(Report), ...errors(400, 401, 404) },
  },
  listReports: {
    ...moderatorOnly,
    operationId: 'listReports',
    summary: 'Reports, newest first (moderators only)',
    querystring: Type.Object({ ...PageQuery, status: Type.Optional(StringEnum(['open', 'resolved'])) }),
    response: { 200: Page(Report), ...errors(400, 401, 403, 404) },
  },
  reportDetail: {
    ...moderatorOnly,
    operationId: 'getReport',
    summary: 'One report with its snapshot (moderators only)',
    params: ReportParams,
    response: { 200: Type.Ref(Report), ...errors(401, 403, 404) },
  },
  resolve: {
    ...moderatorOnly,
    operationId: 'resolveReport',
    summary: 'Resolve an open report (moderators only)',
    params: ReportParams,
    body: withExample(Type.Object({ resolution: Text({ minLength: 1, maxLength: 1000 }) }), {
      resolution: 'Sender suspended for a week; message removed.',
    }),
    response: { 200: Type.Ref(Report), ...errors(400, 401, 403, 404, 409) },
  },
  removeMessage: {
    ...moderatorOnly,
    operationId: 'removeMessage',
    summary: 'Remove a message for everyone: a tombstone says moderators removed it (moderators only)',
    params: Type.Object({ id: Type.String({ maxLength: 16 }) }),
    body: withExample(Type.Object({ reason: Text({ minLength: 1, maxLength: 1000 }) }), { reason: 'Off-marketplace payment request.' }),
    response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
  },
  suspend: {
    ...moderatorOnly,
    operationId: 'suspendAddress',
    summary: "Suspend an address: its sessions end at once and it cannot sign in (moderators only)",
    body: withExample(
      Type.Object({
        address: Address,
        reason: Text({ minLength: 1, maxLength: 1000 }),
        until: Type.Optional(Type.String({ maxLength: 64, description: 'RFC 3339; without it, until lifted.' })),
      }),
      { address: EXAMPLE.buyer, reason: 'Repeated off-marketplace payment requests.', until: '2026-01-12T15:10:00.000Z' },
    ),
    response: { 201: Type.Ref(Suspension), ...errors(400, 401, 403, 409) },
  },
  listSuspensions: {
    ...moderatorOnly,
    operationId: 'listSuspensions',
    summary: 'Suspensions in force, newest first (moderators only)',
    querystring: Type.Object(PageQuery),
    response: { 200: Page(Suspension), ...errors(401, 403, 404) },
  },
  lift: {
    ...moderatorOnly,
    operationId: 'liftSuspension',
    summary: "Lift an address's suspension (moderators only)",
    params: Type.Object({ address: Type.String({ maxLength: 128 }) }),
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
  audit: {
    ...moderatorOnly,
    operationId: 'listAuditLog',
    summary: 'The append-only log of moderator actions, newest first (moderators only)',
    querystring: Type.Object(PageQuery),
    response: { 200: Page(AuditEntry), ...errors(401, 403, 404) },
  },
}
