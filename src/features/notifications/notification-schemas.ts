import { Type, type Static } from '@sinclair/typebox'
import { errors, EXAMPLE, Nullable, Page, PageQuery, Timestamp, Uuid, withExample } from '../../core/http/schemas.js'

const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: "'HH:MM', 24-hour, local to time_zone." })

export const QuietHours = Type.Object(
  {
    start: ClockTime,
    end: ClockTime,
    time_zone: Type.String({ maxLength: 64, description: 'An IANA time zone, e.g. Europe/Berlin.' }),
  },
  { description: 'While it lasts, pushes are not sent and digests and webhook deliveries wait for its end.' },
)

const preferenceFields = {
  push: Type.Boolean({ description: 'Web Push to the browsers the caller subscribed.' }),
  email: Type.Boolean({ description: 'E-mail digests, once an address is verified.' }),
  webhooks: Type.Boolean({ description: "Deliveries to the caller's webhook endpoints." }),
  previews: Type.Boolean({ description: "Pushes and digests may carry the message's words (off: counts and links only)." }),
  quiet_hours: Nullable(QuietHours),
  digest_after_minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'How long a message stays unread before a digest tells of it.' }),
}

export const NotificationPreferences = withExample(
  Type.Object(preferenceFields, { $id: 'NotificationPreferences' }),
  {
    push: true,
    email: true,
    webhooks: true,
    previews: false,
    quiet_hours: { start: '22:00', end: '07:00', time_zone: 'Europe/Berlin' },
    digest_after_minutes: 15,
  },
)
export type NotificationPreferences = Static<typeof NotificationPreferences>

export const ThreadMute = withExample(
  Type.Object(
    {
      thread: Uuid,
      until: Nullable(Timestamp, { description: 'Muted for ever when null.' }),
      created_at: Timestamp,
    },
    { $id: 'ThreadMute' },
  ),
  { thread: EXAMPLE.threadUuid, until: null, created_at: EXAMPLE.time },
)
export type ThreadMute = Static<typeof ThreadMute>

export const notificationSchemas = {
  preferences: {
    tags: ['notifications'],
    operationId: 'getNotificationPreferences',
    summary: "The caller's notification preferences",
    security: [{ bearer: [] }],
    response: { 200: Type.Ref(NotificationPreferences), ...errors(401) },
  },
  updatePreferences: {
    tags: ['notifications'],
    operationId: 'updateNotificationPreferences',
    summary: 'Turn channels on or off, set quiet hours, previews and the digest delay',
    security: [{ bearer: [] }],
    body: withExample(Type.Partial(Type.Object(preferenceFields)), { push: false, quiet_hours: null }),
    response: { 200: Type.Ref(NotificationPreferences), ...errors(400, 401) },
  },
  mutes: {
    tags: ['notifications'],
    operationId: 'listThreadMutes',
    summary: 'The threads the caller muted, most recent first',
    security: [{ bearer: [] }],
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(ThreadMute), ...errors(400, 401, 404) },
  },
  mute: {
    tags: ['notifications'],
    operationId: 'muteThread',
    summary: 'Mute a thread on every channel, for ever or until a time',
    security: [{ bearer: [] }],
    params: Type.Object({ uuid: Type.String({ maxLength: 64 }) }),
    body: withExample(Type.Object({ until: Type.Optional(Nullable(Timestamp)) }), { until: '2026-01-06T08:00:00.000Z' }),
    response: { 200: Type.Ref(ThreadMute), ...errors(400, 401, 404) },
  },
  unmute: {
    tags: ['notifications'],
    operationId: 'unmuteThread',
    summary: 'Unmute a thread',
    security: [{ bearer: [] }],
    params: Type.Object({ uuid: Type.String({ maxLength: 64 }) }),
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
}
