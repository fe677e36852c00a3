import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { consentSchemas } from './consent-schemas.js'
import type { ConsentService } from './consent-service.js'

/** The caller's own message request settings (docs/api.md §14); accepting and declining are thread routes. */
export function consentRoutes(consent: ConsentService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', app.authenticate)

    app.get('/api/consent/settings/', { schema: consentSchemas.settings }, async (request) => consent.settings(request.caller))

    app.patch('/api/consent/settings/', { schema: consentSchemas.updateSettings }, async (request) =>
      consent.updateSettings(request.caller, request.body),
    )
  }
}
