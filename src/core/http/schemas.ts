import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * The pieces every feature's TypeBox schemas are made of (docs/api.md): text, ids, addresses,
 * times, DRF pages and error bodies. Each feature's schema validates its requests, serializes
 * its responses and becomes part of the OpenAPI document at /api/schema/.
 */

/** Free text may hold anything but NUL (PostgreSQL cannot store it; DRF refuses it too). */
export const NO_NUL = '^[^\\u0000]*$'
export const Text = (options: { minLength?: number; maxLength?: number; description?: string } = {}) =>
  Type.String({ ...options, pattern: NO_NUL })

/**
 * The schema, or null. A schema with a type of its own says so with OpenAPI's `nullable`, which
 * the serializer writes straight out; it checks each branch of an `anyOf` against the value
 * first, for every field of every message it writes.
 */
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Unsafe<Static<T> | null>(
    'type' in schema && !('$id' in schema)
      ? { ...schema, ...options, nullable: true, ...(schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {}) }
      : Type.Union([schema, Type.Null()], options),
  )

/** One of a few strings, as one string schema with `enum`. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>(Type.String({ ...options, enum: [...values] }))

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

// ---- examples (docs/api.md §8): what Swagger UI and generated clients show ----

/**
 * The schema with `example` for the OpenAPI document, typed by the schema itself so it cannot
 * drift from the shape. `examples` is an annotation: validation and serialization ignore it.
 *
 * ```ts
 * export const Block = withExample(Type.Object({ address: Type.String() }, { $id: 'Block' }), { address: 'R…' })
 * ```
 */
export function withExample<T extends TSchema>(schema: T, example: Static<T>): T {
  return { ...schema, examples: [example] }
}

/** The example `withExample` gave a schema, for the examples built on it (a page, a detail). */
export function exampleOf<T extends TSchema>(schema: T): Static<T> {
  return (schema.examples as [Static<T>])[0]
}

/** The people, thread and time the examples share, so one story runs through the document. */
export const EXAMPLE = {
  buyer: 'RW2xEF6YL6n9tn1kxWXakC8t14SGrwGYCX',
  shopOwner: 'RSjAHNSs8yGMDNMBF8XE8uBhYtBt4m6im3',
  moderator: 'RJoPUgZKRn9rdgt1GJ6Yf8q99P2srjNhZV',
  threadUuid: '5f27f274-4d7a-4e18-8c8e-1f899cb3e358',
  time: '2026-01-05T14:30:00.000Z',
} as const

/** A DRF page of a shared schema (referenced by `$id`), its example a page of the item's. */
export const Page = <T extends TSchema>(item: T) =>
  withExample(
    Type.Object({
      count: Type.Integer(),
      next: Nullable(Type.String()),
      previous: Nullable(Type.String()),
      results: Type.Array(Type.Ref(item)),
    }),
    { count: 1, next: null, previous: null, results: [exampleOf(item)] },
  )

/** Shared schemas referenced by $id; the app registers these and each feature's own once. */
export const coreSchemas = [Detail, ValidationErrors]

export const PageQuery = {
  page: Type.Optional(Type.String({ description: 'Page number, from 1.' })),
  page_size: Type.Optional(Type.String({ description: 'Items per page (default 20, max 100).' })),
}
