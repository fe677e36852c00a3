import type { Migration } from 'kysely'

/** The shops' changes after the baseline (core/database/baseline-migrations.ts). */
export function shopMigrations(): Record<string, Migration> {
  return {
    '0009_dec_shops': {
      async up(db) {
        await db.schema.alterTable('shops').addColumn('dec_shop_id', 'text').execute()
        // An import is idempotent on the DecShop UniqueId.
        await db.schema.createIndex('shops_dec_shop_id').unique().on('shops').column('dec_shop_id').execute()
      },
    },
  }
}
