import { Type, type Static } from '@sinclair/typebox'
import { Address, errors, Page, PageQuery, Timestamp } from '../../core/http/schemas.js'

/** An address the caller blocked, and since when. */
export const Block = Type.Object({ address: Type.String(), created_at: Timestamp }, { $id: 'Block' })
export type Block = Static<typeof Block>

export const blockSchemas = {
  list: {
    tags: ['blocks'],
    summary: 'The addresses the caller blocked, most recent first',
    security: [{ bearer: [] }],
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: Page(Type.Ref(Block)), ...errors(400, 401, 404) },
  },
  create: {
    tags: ['blocks'],
    summary: 'Block an address: it can no longer message the caller, nor see their typing or reading',
    security: [{ bearer: [] }],
    body: Type.Object({ address: Address }),
    response: { 200: Type.Ref(Block), 201: Type.Ref(Block), ...errors(400, 401) },
  },
  delete: {
    tags: ['blocks'],
    summary: 'Unblock an address',
    security: [{ bearer: [] }],
    params: Type.Object({ address: Type.String({ maxLength: 128 }) }),
    response: { 204: Type.Null(), ...errors(401, 404) },
  },
}
