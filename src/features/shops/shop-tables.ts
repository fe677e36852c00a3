import type { Generated } from 'kysely'

/** The shops table, as Kysely sees it. */
export type ShopTables = {
  shops: ShopTable
}

export interface ShopTable {
  id: Generated<number>
  name: string
  url: string
  /** The URL without its scheme: unique, so vfx:// and rbx:// cannot name two shops. */
  slug: string
  owner_address: string
  created_at: string
}
