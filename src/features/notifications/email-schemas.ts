import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { errors, withExample } from '../../core/http/schemas.js'

export const EmailAddress = withExample(
  Type.Object(
    {
      email: Type.String({ description: 'Where digests go.' }),
      verified: Type.Boolean({ description: 'Whether its link was followed; digests go only to a verified address.' }),
    },
    { $id: 'EmailAddress' },
  ),
  { email: 'buyer@example.com', verified: true },
)
export type EmailAddress = Static<typeof EmailAddress>

const LinkQuery = Type.Object({ token: Type.String({ maxLength: 128, description: "The token of the mail's link." }) })
const page = (example: string) => ({ schema: Type.String(), example })
const HtmlPage = {
  description: 'A page for a person who opened the link.',
  content: { 'text/html': page('<!doctype html>…<form method="post" action="?token=…"><button type="submit">Confirm</button></form>…') },
}
/** What a link's POST answers: JSON, or a page when the request accepts text/html (a browser's form). */
const Done = <T extends TSchema>(json: T, example?: Static<T>) => ({
  description: 'Done.',
  content: { 'application/json': { schema: json, example }, 'text/html': page('<!doctype html>…<h1>E-mail address confirmed</h1>…') },
})
const Unsubscribed = Type.Object({ unsubscribed: Type.Boolean() })

const email = { tags: ['notifications'] }
const signedIn = { ...email, security: [{ bearer: [] }] }
const byLink = { ...email, security: [], querystring: LinkQuery }

export const emailSchemas = {
  address: {
    ...signedIn,
    operationId: 'getEmailAddress',
    summary: "The caller's e-mail address for digests",
    response: { 200: Type.Ref(EmailAddress), ...errors(401, 404) },
  },
  bind: {
    ...signedIn,
    operationId: 'setEmailAddress',
    summary: 'Bind an e-mail address: a verification link is mailed to it',
    body: withExample(Type.Object({ email: Type.String({ maxLength: 254 }) }), { email: 'buyer@example.com' }),
    response: { 200: Type.Ref(EmailAddress), 202: Type.Ref(EmailAddress), ...errors(400, 401, 404, 429) },
  },
  remove: {
    ...signedIn,
    operationId: 'removeEmailAddress',
    summary: 'Forget the e-mail address: no more digests',
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
  verifyPage: {
    ...byLink,
    operationId: 'showEmailVerification',
    summary: "The verification link's page: a button that confirms (a GET changes nothing)",
    response: { 200: HtmlPage, ...errors(400, 404) },
  },
  verify: {
    ...byLink,
    operationId: 'verifyEmailAddress',
    summary: 'Confirm an e-mail address with the token its link carried',
    response: { 200: Done(Type.Ref(EmailAddress)), ...errors(400, 404) },
  },
  unsubscribePage: {
    ...byLink,
    operationId: 'showEmailUnsubscribe',
    summary: "A digest's unsubscribe link opened in a browser: a button that turns e-mail off",
    response: { 200: HtmlPage, ...errors(400, 404) },
  },
  unsubscribe: {
    ...byLink,
    operationId: 'unsubscribeEmail',
    summary: 'One-click unsubscribe (RFC 8058): turns e-mail digests off, no sign-in needed',
    response: { 200: Done(Unsubscribed, { unsubscribed: true }), ...errors(400, 404) },
  },
}
