/** Shops: a public directory of VFX shops; a thread about a shop includes its owner. */
export { ShopRepository } from './shop-repository.js'
export { shopRoutes } from './shop-routes.js'
export { Shop, ShopSummary } from './shop-schemas.js'
export { ShopService } from './shop-service.js'
export type { ShopTable, ShopTables } from './shop-tables.js'
