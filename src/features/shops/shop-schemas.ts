import { Type, type Static } from '@sinclair/typebox'
import { errors, EXAMPLE, exampleOf, Page, PageQuery, Text, Timestamp, withExample } from '../../core/http/schemas.js'

/** A shop as a thread shows it. */
export const ShopSummary = Type.Object({ id: Type.Integer(), name: Type.String(), url: Type.String() })

export const Shop = withExample(
  Type.Object(
    {
      id: Type.Integer(),
      name: Type.String(),
      url: Type.String(),
      owner_address: Type.String(),
      created_at: Timestamp,
    },
    { $id: 'Shop' },
  ),
  { id: 7, name: 'Nebula Prints', url: 'vfx://nebula-prints', owner_address: EXAMPLE.shopOwner, created_at: '2025-12-01T09:00:00.000Z' },
)
export type Shop = Static<typeof Shop>
export type ShopSummary = Static<typeof ShopSummary>

const ShopParams = Type.Object({ id: Type.String() })

export const shopSchemas = {
  list: {
    tags: ['shops'],
    operationId: 'listShops',
    summary: 'Shops, by id; search matches name or URL',
    querystring: Type.Object({ ...PageQuery, search: Type.Optional(Text({ maxLength: 200 })) }),
    response: { 200: Page(Shop), ...errors(400, 404) },
  },
  create: {
    tags: ['shops'],
    operationId: 'createShop',
    summary: 'Open a shop owned by the caller',
    security: [{ bearer: [] }],
    body: withExample(Type.Object({ name: Text({ maxLength: 200 }), url: Text({ maxLength: 200 }) }), {
      name: exampleOf(Shop).name,
      url: exampleOf(Shop).url,
    }),
    response: { 201: Type.Ref(Shop), ...errors(400, 401, 409) },
  },
  detail: {
    tags: ['shops'],
    operationId: 'getShop',
    summary: 'One shop',
    params: ShopParams,
    response: { 200: Type.Ref(Shop), ...errors(404) },
  },
  update: {
    tags: ['shops'],
    operationId: 'updateShop',
    summary: "Rename or move a shop (owner only)",
    security: [{ bearer: [] }],
    params: ShopParams,
    body: withExample(
      Type.Object({
        name: Type.Optional(Text({ maxLength: 200 })),
        url: Type.Optional(Text({ maxLength: 200 })),
      }),
      { name: 'Nebula Prints & Posters' },
    ),
    response: { 200: Type.Ref(Shop), ...errors(400, 401, 403, 404, 409) },
  },
  delete: {
    tags: ['shops'],
    operationId: 'deleteShop',
    summary: 'Close a shop (owner only)',
    security: [{ bearer: [] }],
    params: ShopParams,
    response: { 204: Type.Null(), ...errors(401, 403, 404) },
  },
}
