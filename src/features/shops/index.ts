/** Shops: a public directory of VFX shops; a thread about a shop includes its owner. */
export { shopMigrations } from './shop-migrations.js'
export { ShopRepository } from './shop-repository.js'
export { shopRoutes } from './shop-routes.js'
export { Shop, ShopSummary } from './shop-schemas.js'
export { ShopService, type DecShop } from './shop-service.js'
export type { ShopTable, ShopTables } from './shop-tables.js'
