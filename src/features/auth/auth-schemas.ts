import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, Timestamp } from '../../core/http/schemas.js'

/** The text to sign (docs/api.md §2), with a random single-use nonce. */
export const Challenge = Type.Object({ address: Type.String(), message: Type.String(), expires_at: Timestamp })
export type Challenge = Static<typeof Challenge>

/** A bearer token and whom it signs in. */
export const Session = Type.Object({ token: Type.String(), address: Type.String(), expires_at: Timestamp })
export type Session = Static<typeof Session>

export const authSchemas = {
  challenge: {
    tags: ['auth'],
    summary: 'Ask for a challenge to sign with the wallet key',
    body: Type.Object({ address: Address }),
    response: { 200: Challenge, ...errors(400, 429) },
  },
  token: {
    tags: ['auth'],
    summary: 'Exchange a signed challenge for a bearer token',
    body: Type.Object({
      address: Address,
      message: Type.String({ maxLength: 1000 }),
      signature: Type.String({ maxLength: 400 }),
    }),
    response: { 200: Session, ...errors(400, 401, 403, 429) },
  },
  logout: {
    tags: ['auth'],
    summary: 'Revoke the bearer token of this request',
    security: [{ bearer: [] }],
    response: { 204: Type.Null(), ...errors(401) },
  },
}
