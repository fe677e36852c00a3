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
  /** The shop's UniqueId in the VFX network's DecShop list, for shops imported from it. */
  dec_shop_id: Generated<string | null>
}
