import type { Migration } from 'kysely'
import type { Engine } from './engine.js'
import { integerKey } from './migrations.js'

/**
 * The tables of sign-in, shops, threads and messages, as they were created before features
 * had folders of their own. Databases record migrations by name, so these stay whole here;
 * each feature's tables from then on come with the feature (see docs/architecture.md).
 */
export function baselineMigrations(engine: Engine): Record<string, Migration> {
  // The one engine difference: how an integer key is generated.
  const { type: serial, autoIncrement } = integerKey(engine)

  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('shops')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('owner_address', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('shops_owner').on('shops').columns(['owner_address', 'id']).execute()

        await db.schema
          .createTable('threads')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('participant_key', 'text', (c) => c.notNull().unique())
          .addColumn('shop_id', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('last_message', 'text')
          .addColumn('last_message_id', 'integer')
          .execute()

        await db.schema
          .createTable('thread_participants')
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('last_read_id', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('thread_participants_pk', ['thread_id', 'address'])
          .execute()
        await db.schema
          .createIndex('thread_participants_inbox')
          .on('thread_participants')
          .columns(['address', 'hidden', 'updated_at', 'thread_id'])
          .execute()

        await db.schema
          .createTable('messages')
          .addColumn('id', serial, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('messages_thread').on('messages').columns(['thread_id', 'id']).execute()
        await db.schema
          .createIndex('messages_client_id')
          .on('messages')
          .columns(['thread_id', 'sender', 'client_id'])
          .unique()
          .execute()

        await db.schema
          .createTable('inbox')
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
          .addColumn('thread_id', 'integer', (c) => c.notNull().references('threads.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('inbox_pk', ['address', 'message_id'])
          .execute()
        await db.schema.createIndex('inbox_since').on('inbox').columns(['address', 'created_at']).execute()
        await db.schema.createIndex('inbox_thread').on('inbox').columns(['thread_id', 'address']).execute()
        await db.schema.createIndex('inbox_message').on('inbox').column('message_id').execute()

        await db.schema
          .createTable('challenges')
          .addColumn('message_hash', 'text', (c) => c.primaryKey())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('challenges_expiry').on('challenges').column('expires_at').execute()

        await db.schema
          .createTable('tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute()
        await db.schema.createIndex('tokens_address').on('tokens').column('address').execute()
      },
    },
    '0002_stream_replay': {
      // A resuming stream replays the caller's own messages by sender, in id order.
      async up(db) {
        await db.schema.createIndex('messages_sender').on('messages').columns(['sender', 'id']).execute()
      },
    },
  }
}
