/** Sign-in by wallet signature: challenges, bearer tokens, sign-out. */
export { AuthRepository } from './auth-repository.js'
export { authRoutes } from './auth-routes.js'
export { Challenge, Session } from './auth-schemas.js'
export { AuthService, CHALLENGE_TTL_SECONDS, type SuspensionCheck } from './auth-service.js'
export type { AuthTables } from './auth-tables.js'
