import type { Migration } from 'kysely'

/** Bound e-mail addresses and their digests' progress; after the notifications' own tables. */
export function emailMigrations(): Record<string, Migration> {
  return {
    '0016_email': {
      async up(db) {
        await db.schema
          .createTable('email_addresses')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('verification_hash', 'text')
          .addColumn('verification_expires_at', 'text')
          .addColumn('verification_asked_at', 'text', (c) => c.notNull())
          .addColumn('unsubscribe_token', 'text', (c) => c.notNull())
          .addColumn('digested_up_to', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('digest_due_at', 'text')
          .addColumn('sending_until', 'text')
          .addColumn('last_digest_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        // A clicked link and a one-click unsubscribe find their person by token.
        await db.schema.createIndex('email_addresses_verification').on('email_addresses').column('verification_hash').execute()
        await db.schema.createIndex('email_addresses_unsubscribe').on('email_addresses').column('unsubscribe_token').unique().execute()
      },
    },
  }
}
