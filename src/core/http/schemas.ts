import { Type, type TSchema } from '@sinclair/typebox'

/**
 * The pieces every feature's TypeBox schemas are made of (docs/api.md): text, ids, addresses,
 * times, DRF pages and error bodies. Each feature's schema validates its requests, serializes
 * its responses and becomes part of the OpenAPI document at /api/schema/.
 */

/** Free text may hold anything but NUL (PostgreSQL cannot store it; DRF refuses it too). */
export const NO_NUL = '^[^\\u0000]*$'
export const Text = (options: { minLength?: number; maxLength?: number; description?: string } = {}) =>
  Type.String({ ...options, pattern: NO_NUL })

export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options)

/** Ids fit PostgreSQL's integer. */
const MAX_ID = 2_147_483_647
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID })
export const Cursor = Type.Integer({ minimum: 0, maximum: MAX_ID })

export const Address = Type.String({ maxLength: 128, description: 'A VFX address (R… mainnet, x… testnet, xRBX… reserve).' })
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339, UTC, milliseconds.' })
export const Uuid = Type.String({ description: 'Thread UUID (v4).' })

// ---- errors (docs/api.md §5) ----

export const Detail = Type.Object({ detail: Type.String() }, { $id: 'Detail', description: 'Any error but validation.' })
export const ValidationErrors = Type.Record(Type.String(), Type.Array(Type.String()), {
  $id: 'ValidationErrors',
  description: 'Field name (or non_field_errors) to its messages.',
})
// A 400 is a validation error, or a body that is not JSON at all (`{"detail"}`).
const BadRequest = Type.Union([Type.Ref(ValidationErrors), Type.Ref(Detail)])
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, status === 400 ? BadRequest : Type.Ref(Detail)]))

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    count: Type.Integer(),
    next: Nullable(Type.String()),
    previous: Nullable(Type.String()),
    results: Type.Array(item),
  })

/** Shared schemas referenced by $id; the app registers these and each feature's own once. */
export const coreSchemas = [Detail, ValidationErrors]

export const PageQuery = {
  page: Type.Optional(Type.String({ description: 'Page number, from 1.' })),
  page_size: Type.Optional(Type.String({ description: 'Items per page (default 20, max 100).' })),
}
