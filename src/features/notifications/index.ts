/** Reaching people who are not looking: preferences, mutes, and the outbox every channel starts from. */
export { notificationMigrations } from './notification-migrations.js'
export { NotificationRepository } from './notification-repository.js'
export { notificationRoutes } from './notification-routes.js'
export { NotificationPreferences, ThreadMute } from './notification-schemas.js'
export { CHAT_EVENTS, FAN_OUT, NotificationService, type EventConsumer, type Reach } from './notification-service.js'
export type { NotificationTables } from './notification-tables.js'
