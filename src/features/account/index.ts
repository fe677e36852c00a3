/** People's control of their data: export everything held of an address, erase an account, message retention. */
export { accountRoutes } from './account-routes.js'
export { AccountExport } from './account-schemas.js'
export { AccountService } from './account-service.js'
