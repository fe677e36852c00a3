import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, EXAMPLE, Timestamp, withExample } from '../../core/http/schemas.js'

const EXAMPLE_CHALLENGE = `Sign in to VFX Chat | Address: ${EXAMPLE.buyer} | Nonce: 9f86d081884c7d659a2feaa0c55ad015 | Expires: 2026-01-05T14:35:00.000Z`

/** The text to sign (docs/api.md §2), with a random single-use nonce. */
export const Challenge = withExample(Type.Object({ address: Type.String(), message: Type.String(), expires_at: Timestamp }), {
  address: EXAMPLE.buyer,
  message: EXAMPLE_CHALLENGE,
  expires_at: '2026-01-05T14:35:00.000Z',
})
export type Challenge = Static<typeof Challenge>

/** A bearer token and whom it signs in. */
export const Session = withExample(Type.Object({ token: Type.String(), address: Type.String(), expires_at: Timestamp }), {
  token: 'kq3M2v9YpX0s7bT1wE4rU6iO8aS5dF2gH0jK9lZ3xC1',
  address: EXAMPLE.buyer,
  expires_at: '2026-01-06T14:30:00.000Z',
})
export type Session = Static<typeof Session>

export const authSchemas = {
  challenge: {
    operationId: 'requestChallenge',
    tags: ['auth'],
    summary: 'Ask for a challenge to sign with the wallet key',
    body: withExample(Type.Object({ address: Address }), { address: EXAMPLE.buyer }),
    response: { 200: Challenge, ...errors(400, 429) },
  },
  token: {
    operationId: 'issueToken',
    tags: ['auth'],
    summary: 'Exchange a signed challenge for a bearer token',
    body: withExample(
      Type.Object({
        address: Address,
        message: Type.String({ maxLength: 1000 }),
        signature: Type.String({ maxLength: 400 }),
      }),
      {
        address: EXAMPLE.buyer,
        message: EXAMPLE_CHALLENGE,
        // A real signature of the example challenge by the example buyer's key.
        signature:
          'MEUCIQCImOEquth78s7k+w1kWhk/CSURgD+RJqdLPM7SE3+Z0AIgeeRlLZu9Mt7EI4jloYc43gB8GBn3Jm/69J+BjLWMw+Q=.' +
          '5FCfYjufwZ23nskhQb3spMn4HcuTmHfQw3yJoNpKVLxPrXjDFzz3EFcxqvRFfc5gSrAttDPEFgSywMmyrUvJdrQH',
      },
    ),
    response: { 200: Session, ...errors(400, 401, 403, 429) },
  },
  logout: {
    operationId: 'revokeToken',
    tags: ['auth'],
    summary: 'Revoke the bearer token of this request',
    security: [{ bearer: [] }],
    response: { 204: Type.Null(), ...errors(401) },
  },
}
