import type { Migration } from 'kysely'

/** The blocks table: one row per (blocker, blocked), read both ways by index. */
export function blockMigrations(): Record<string, Migration> {
  return {
    '0005_blocks': {
      async up(db) {
        await db.schema
          .createTable('blocks')
          .addColumn('blocker', 'text', (c) => c.notNull())
          .addColumn('blocked', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('blocks_pk', ['blocker', 'blocked'])
          .execute()
        // "Who among these has blocked the sender?": every send asks it.
        await db.schema.createIndex('blocks_blocked').on('blocks').columns(['blocked', 'blocker']).execute()
      },
    },
  }
}
