import { Type, type Static } from '@sinclair/typebox'
import { errors, EXAMPLE, exampleOf, Timestamp, withExample } from '../../core/http/schemas.js'
import { Block } from '../blocks/index.js'
import { ThreadDetail } from '../chat/index.js'
import { Attachment } from '../attachments/index.js'
import { NotificationsExport } from '../notifications/index.js'
import { Shop } from '../shops/index.js'

/** One of the caller's uploads as an export lists it: what it is, not where to fetch it. */
export const ExportedUpload = Type.Object({
  id: Type.String(),
  name: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
  created_at: Timestamp,
})

const upload = exampleOf(Attachment)

/** Everything the service holds of one address (docs/api.md §13), in one document. */
export const AccountExport = withExample(
  Type.Object(
    {
      address: Type.String(),
      exported_at: Timestamp,
      threads: Type.Array(Type.Ref(ThreadDetail), { description: 'The threads the caller sees, each with all its messages, oldest first.' }),
      messages_sent: Type.Integer({ description: 'Messages the caller has sent, in any thread.' }),
      shops: Type.Array(Type.Ref(Shop)),
      blocks: Type.Array(Type.Ref(Block)),
      attachments: Type.Array(ExportedUpload),
      notifications: NotificationsExport,
    },
    { $id: 'AccountExport' },
  ),
  {
    address: EXAMPLE.buyer,
    exported_at: '2026-01-06T08:00:00.000Z',
    threads: [exampleOf(ThreadDetail)],
    messages_sent: 1,
    shops: [],
    blocks: [],
    attachments: [{ id: upload.id, name: upload.name, content_type: upload.content_type, size: upload.size, created_at: EXAMPLE.time }],
    notifications: exampleOf(NotificationsExport),
  },
)
export type AccountExport = Static<typeof AccountExport>

export const accountSchemas = {
  export: {
    tags: ['account'],
    operationId: 'exportAccount',
    summary: "All the caller's data, as one JSON document",
    security: [{ bearer: [] }],
    response: { 200: Type.Ref(AccountExport), ...errors(401) },
  },
  erase: {
    tags: ['account'],
    operationId: 'eraseAccount',
    summary: "Erase the caller's account: messages tombstoned, shops closed, blocks, uploads and tokens deleted",
    security: [{ bearer: [] }],
    body: withExample(Type.Object({ confirm: Type.String({ maxLength: 128, description: "The caller's own address." }) }), {
      confirm: EXAMPLE.buyer,
    }),
    response: { 204: Type.Null(), ...errors(400, 401, 403) },
  },
}
