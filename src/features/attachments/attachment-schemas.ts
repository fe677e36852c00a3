import { Type, type Static } from '@sinclair/typebox'
import { errors, Nullable, StringEnum, Uuid, withExample } from '../../core/http/schemas.js'

/**
 * An attachment as the API shows it. Its id is the random public id, never the row's key.
 *
 * ```ts
 * fastify.get('/api/chat/attachments/:id/', { schema: { response: { 200: Type.Ref(Attachment) } } }, handler)
 * ```
 */
export const Attachment = withExample(
  Type.Object(
    {
      id: Type.String({ description: 'Random public id.' }),
      kind: StringEnum(['image', 'file'], {
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
  ),
  {
    id: 'Yq3vT8kW1mZpR2sN5bH7xA',
    kind: 'image',
    content_type: 'image/jpeg',
    size: 182_344,
    name: 'aurora-print.jpg',
    width: 1600,
    height: 1067,
    url: '/api/attachments/Yq3vT8kW1mZpR2sN5bH7xA/?expires=1767628800&signature=Jc0u2m7QyL9xV4kA1bN6rT3eH8sW5dF0gZ2pY7oE1iU',
    thumbnail_url: '/api/attachments/Yq3vT8kW1mZpR2sN5bH7xA/thumbnail/?expires=1767628800&signature=pR4nB8vX1cK6mT9wQ2zL5hE0sY7gJ3dA8fU1oI6eN4c',
  },
)

export type Attachment = Static<typeof Attachment>

const AttachmentParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
const SignedQuery = Type.Object({
  expires: Type.Optional(Type.String({ maxLength: 16 })),
  signature: Type.Optional(Type.String({ maxLength: 128 })),
})
const download = {
  200: { description: 'The bytes: a re-encoded picture inline, anything else as a download.', content: { 'application/octet-stream': { schema: Type.String() } } },
  206: { description: 'The requested byte range.', content: { 'application/octet-stream': { schema: Type.String() } } },
  ...errors(404, 416),
}

export const attachmentSchemas = {
  upload: {
    tags: ['attachments'],
    operationId: 'uploadAttachment',
    summary: 'Upload a file to a thread; the body is its bytes, the type is read from them',
    security: [{ bearer: [] }],
    params: Type.Object({ uuid: Uuid }),
    querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 255, description: 'The file name shown to the others.' })) }),
    response: { 201: Type.Ref(Attachment), ...errors(400, 401, 404, 413, 429) },
  },
  original: {
    tags: ['attachments'],
    operationId: 'downloadAttachment',
    summary: 'Download an attachment: by its signed URL, or as a participant with a bearer token',
    params: AttachmentParams,
    querystring: SignedQuery,
    response: download,
  },
  thumbnail: {
    tags: ['attachments'],
    operationId: 'downloadThumbnail',
    summary: "An image attachment's WebP thumbnail (at most 320 px a side)",
    params: AttachmentParams,
    querystring: SignedQuery,
    response: download,
  },
}
