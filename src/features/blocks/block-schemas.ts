import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, EXAMPLE, Page, PageQuery, Timestamp, withExample } from '../../core/http/schemas.js'

/** An address the caller blocked, and since when. */
export const Block = withExample(Type.Object({ address: Type.String(), created_at: Timestamp }, { $id: 'Block' }), {
  address: EXAMPLE.buyer,
  created_at: EXAMPLE.time,
})
export type Block = Static<typeof Block>

export const blockSchemas = {
  list: {
    tags: ['blocks'],
    operationId: 'listBlocks',
    summary: 'The addresses the caller blocked, most recent first',
    security: [{ bearer: [] }],
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(Block), ...errors(400, 401, 404) },
  },
  create: {
    tags: ['blocks'],
    operationId: 'blockAddress',
    summary: 'Block an address: it can no longer message the caller, nor see their typing or reading',
    security: [{ bearer: [] }],
    body: withExample(Type.Object({ address: Address }), { address: EXAMPLE.buyer }),
    response: { 200: Type.Ref(Block), 201: Type.Ref(Block), ...errors(400, 401) },
  },
  delete: {
    tags: ['blocks'],
    operationId: 'unblockAddress',
    summary: 'Unblock an address',
    security: [{ bearer: [] }],
    params: Type.Object({ address: Type.String({ maxLength: 128 }) }),
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
}
