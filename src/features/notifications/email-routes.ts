import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { emailSchemas } from './email-schemas.js'
import type { EmailService } from './email-service.js'

/** The caller's e-mail address, and the links its mails carry (docs/api.md §15.4). */
export function emailRoutes(emails: EmailService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // A mail client's one-click POST (RFC 8058) and a page's button send forms; the token in the
    // query says who, so the body is read only to be accepted.
    app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string' }, (_request, _body, done) => done(null, undefined))

    app.get('/api/notifications/email/', { schema: emailSchemas.address, onRequest: app.authenticate }, async (request) => emails.address(request.caller))

    app.put('/api/notifications/email/', { schema: emailSchemas.bind, onRequest: app.authenticate }, async (request, reply) => {
      const { address, mailed } = await emails.bind(request.caller, request.body.email)
      return reply.code(mailed ? 202 : 200).send(address)
    })

    app.delete('/api/notifications/email/', { schema: emailSchemas.remove, onRequest: app.authenticate }, async (request, reply) => {
      await emails.remove(request.caller)
      return reply.code(204).send(null)
    })

    app.get('/api/notifications/email/verify/', { schema: emailSchemas.verifyPage }, async (request, reply) =>
      html(reply, emails.linkPage('verify', request.query.token)),
    )

    app.post('/api/notifications/email/verify/', { schema: emailSchemas.verify }, async (request, reply) => {
      const address = await emails.verify(request.query.token)
      return wantsPage(request) ? html(reply, emails.donePage('verify')) : address
    })

    app.get('/api/notifications/email/unsubscribe/', { schema: emailSchemas.unsubscribePage }, async (request, reply) =>
      html(reply, emails.linkPage('unsubscribe', request.query.token)),
    )

    app.post('/api/notifications/email/unsubscribe/', { schema: emailSchemas.unsubscribe }, async (request, reply) => {
      await emails.unsubscribe(request.query.token)
      return wantsPage(request) ? html(reply, emails.donePage('unsubscribe')) : { unsubscribed: true }
    })
  }
}

/** A browser's form post asks for a page; a mail client or an API client gets JSON. */
function wantsPage(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html')
}

function html(reply: FastifyReply, page: string) {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page)
}
