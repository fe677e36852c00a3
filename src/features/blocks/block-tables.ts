/** The blocks table, as Kysely sees it. */
export type BlockTables = {
  blocks: BlockTable
}

export interface BlockTable {
  /** Who blocked. */
  blocker: string
  /** Whom. */
  blocked: string
  created_at: string
}
