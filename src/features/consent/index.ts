/** Message requests: a thread someone else opened can wait for the recipient's consent. */
export { consentMigrations } from './consent-migrations.js'
export { ConsentRepository } from './consent-repository.js'
export { consentRoutes } from './consent-routes.js'
export { ConsentSettings, ConsentState } from './consent-schemas.js'
export { ATTACHMENTS_AFTER_ACCEPT, ConsentService, ThreadConsent, type Consent } from './consent-service.js'
export type { ConsentTables } from './consent-tables.js'
