import { Type, type Static, type TSchema } from '@sinclair/typebox'

// The same as http/schemas.ts's, which is not exported; one shared copy once core/ holds schemas.
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/**
 * An attachment as the API shows it. Its id is the random public id, never the row's key.
 *
 * ```ts
 * fastify.get('/api/chat/attachments/:id/', { schema: { response: { 200: Type.Ref(Attachment) } } }, handler)
 * ```
 */
export const Attachment = Type.Object(
  {
    id: Type.String({ description: 'Random public id.' }),
    kind: Type.Union([Type.Literal('image'), Type.Literal('file')], {
      description: 'An image is re-encoded and shown inline; a file is only ever downloaded.',
    }),
    content_type: Type.String({ description: 'Decided by the bytes, never by the name or the uploader.' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes of what is served: for an image, the re-encoded picture.' }),
    name: Type.String({ description: 'The name the uploader gave, for the download.' }),
    width: Nullable(Type.Integer({ minimum: 1 })),
    height: Nullable(Type.Integer({ minimum: 1 })),
    url: Type.String(),
    thumbnail_url: Nullable(Type.String({ description: 'A WebP of at most 320 px a side; images only.' })),
  },
  { $id: 'Attachment' },
)

export type Attachment = Static<typeof Attachment>
