import { Type, type Static } from '@sinclair/typebox'
import { errors, Page, PageQuery, Text, Timestamp } from '../../core/http/schemas.js'

/** A shop as a thread shows it. */
export const ShopSummary = Type.Object({ id: Type.Integer(), name: Type.String(), url: Type.String() })

export const Shop = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    url: Type.String(),
    owner_address: Type.String(),
    created_at: Timestamp,
  },
  { $id: 'Shop' },
)
export type Shop = Static<typeof Shop>
export type ShopSummary = Static<typeof ShopSummary>

const ShopParams = Type.Object({ id: Type.String() })

export const shopSchemas = {
  list: {
    tags: ['shops'],
    summary: 'Shops, by id; search matches name or URL',
    querystring: Type.Object({ ...PageQuery, search: Type.Optional(Text({ maxLength: 200 })) }),
    response: { 200: Page(Type.Ref(Shop)), ...errors(400, 404) },
  },
  create: {
    tags: ['shops'],
    summary: 'Open a shop owned by the caller',
    security: [{ bearer: [] }],
    body: Type.Object({ name: Text({ maxLength: 200 }), url: Text({ maxLength: 200 }) }),
    response: { 201: Type.Ref(Shop), ...errors(400, 401, 409) },
  },
  detail: {
    tags: ['shops'],
    summary: 'One shop',
    params: ShopParams,
    response: { 200: Type.Ref(Shop), ...errors(404) },
  },
  update: {
    tags: ['shops'],
    summary: "Rename or move a shop (owner only)",
    security: [{ bearer: [] }],
    params: ShopParams,
    body: Type.Object({
      name: Type.Optional(Text({ maxLength: 200 })),
      url: Type.Optional(Text({ maxLength: 200 })),
    }),
    response: { 200: Type.Ref(Shop), ...errors(400, 401, 403, 404, 409) },
  },
  delete: {
    tags: ['shops'],
    summary: 'Close a shop (owner only)',
    security: [{ bearer: [] }],
    params: ShopParams,
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
}
