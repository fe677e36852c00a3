import { NotFound } from '../errors.js'

/**
 * The integer id in a path (`/api/shop/{id}/`): anything but a positive integer that fits
 * PostgreSQL's integer names nothing, so it is 404 like a missing row, never a 400.
 */
export function pathId(text: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 2_147_483_647) throw new NotFound()
  return Number(text)
}
