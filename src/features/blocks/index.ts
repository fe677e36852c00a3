/** Blocking: an address the caller blocked cannot reach them, nor see them read or type. */
export { blockMigrations } from './block-migrations.js'
export { BlockRepository } from './block-repository.js'
export { blockRoutes } from './block-routes.js'
export { Block } from './block-schemas.js'
export { BLOCKED, BlockService } from './block-service.js'
export type { BlockTables } from './block-tables.js'
