/** Trust and safety: participants' reports with their evidence, suspensions, the moderators' audit log. */
export { moderationMigrations } from './moderation-migrations.js'
export { ModerationRepository } from './moderation-repository.js'
export { moderationRoutes } from './moderation-routes.js'
export { AuditEntry, Report, Suspension } from './moderation-schemas.js'
export { ModerationService } from './moderation-service.js'
export type { ModerationTables } from './moderation-tables.js'
