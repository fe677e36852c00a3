import type { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { attachmentSchemas } from './attachment-schemas.js'
import type { AttachmentService, Download } from './attachment-service.js'

/** Downloads are private to a thread's participants: never kept by a shared cache. */
const CACHE = 'private, max-age=3600'

/** Pictures and files (docs/api.md §10): upload to a thread, download by signed URL. */
export function attachmentRoutes(attachments: AttachmentService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // An upload's body is the file itself, whatever type its sender says: streamed, never
    // parsed, so the size cap holds while it arrives (MAX_ATTACHMENT_BYTES).
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

    app.post(
      '/api/chat/:uuid/attachments/',
      { schema: attachmentSchemas.upload, onRequest: app.authenticate },
      async (request, reply) => {
        const length = request.headers['content-length']
        const attachment = await attachments.upload(request.caller, request.params.uuid, {
          body: (request.body as Readable | undefined) ?? request.raw,
          name: request.query.name,
          length: length === undefined ? undefined : Number(length),
        })
        return reply.code(201).send(attachment)
      },
    )

    app.get('/api/attachments/:id/', { schema: attachmentSchemas.original }, async (request, reply) =>
      send(reply, await attachments.download(request.params.id, 'original', request.query, request.headers.range)),
    )

    app.get('/api/attachments/:id/thumbnail/', { schema: attachmentSchemas.thumbnail }, async (request, reply) =>
      send(reply, await attachments.download(request.params.id, 'thumbnail', request.query, request.headers.range)),
    )
  }
}

/** The bytes with headers that keep an uploaded page or SVG from ever running on this origin. */
function send(reply: FastifyReply, download: Download) {
  const { range, size } = download
  reply
    .header('content-type', download.contentType)
    .header('content-disposition', download.disposition)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'")
    .header('cache-control', CACHE)
    .header('accept-ranges', 'bytes')
    .header('content-length', String(range ? range.end - range.start + 1 : size))
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`)
  return reply.send(download.body)
}
