import { Type, type Static } from '@sinclair/typebox'
import { errors, StringEnum, withExample } from '../../core/http/schemas.js'

/** A thread's standing for the caller, as every thread view shows it. */
export const ConsentState = StringEnum(['accepted', 'request', 'declined'], {
  description: 'accepted, or a message request waiting for the caller, or one the caller declined.',
})

export const ConsentSettings = withExample(
  Type.Object(
    {
      message_requests: Type.Boolean({ description: 'Threads others open with me wait as requests.' }),
      shop_requests: Type.Boolean({ description: "Threads buyers open with my shops wait as requests too." }),
    },
    { $id: 'ConsentSettings' },
  ),
  { message_requests: true, shop_requests: false },
)
export type ConsentSettings = Static<typeof ConsentSettings>

export const consentSchemas = {
  settings: {
    tags: ['consent'],
    operationId: 'getConsentSettings',
    summary: "The caller's message request settings",
    security: [{ bearer: [] }],
    response: { 200: Type.Ref(ConsentSettings), ...errors(401) },
  },
  updateSettings: {
    tags: ['consent'],
    operationId: 'updateConsentSettings',
    summary: 'Choose whether threads others open wait as requests',
    security: [{ bearer: [] }],
    body: withExample(Type.Partial(Type.Object({ message_requests: Type.Boolean(), shop_requests: Type.Boolean() })), {
      shop_requests: true,
    }),
    response: { 200: Type.Ref(ConsentSettings), ...errors(400, 401) },
  },
}
