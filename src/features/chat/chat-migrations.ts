import { sql, type Migration } from 'kysely'
import type { Engine } from '../../core/database/engine.js'

/** The chat's tables after the baseline (core/database/baseline-migrations.ts). */
export function chatMigrations(engine: Engine): Record<string, Migration> {
  return {
    '0006_message_changes': {
      async up(db) {
        // Set when the sender edits a message; `deleted_by` names who tombstoned it.
        await db.schema.alterTable('messages').addColumn('edited_at', 'text').execute()
        await db.schema.alterTable('messages').addColumn('deleted_by', 'text').execute()
        // Every earlier wording of an edited or deleted message, kept for reports.
        await db.schema
          .createTable('message_edits')
          .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('replaced_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('message_edits_message').on('message_edits').columns(['message_id', 'replaced_at']).execute()
      },
    },
    '0008_thread_openers': {
      async up(db) {
        await db.schema.alterTable('threads').addColumn('opened_by', 'text').execute()
        // "How many threads has this address opened today?": asked when it opens one more.
        await db.schema.createIndex('threads_opened_by').on('threads').columns(['opened_by', 'created_at']).execute()
      },
    },
    '0010_thread_message_count': {
      async up(db) {
        // Kept in each send's transaction, so a message page needs no count over a deep thread.
        await db.schema.alterTable('threads').addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0)).execute()
        await sql`update threads set message_count = (select count(*) from messages where messages.thread_id = threads.id)`.execute(db)
      },
    },
    '0011_inbox_counts': {
      async up(db) {
        // Each address's visible threads, the count of its inbox's pages: a shop in 50,000
        // threads must not count them on every listing. Triggers keep it in the transaction of
        // every write that adds, removes, hides or shows a participant, whichever path it takes.
        await db.schema
          .createTable('inbox_counts')
          .addColumn('address', 'text', (c) => c.primaryKey())
          .addColumn('threads', 'integer', (c) => c.notNull().defaultTo(0))
          .execute()
        await sql`insert into inbox_counts (address, threads)
          select address, count(*) from thread_participants where hidden = 0 group by address`.execute(db)
        for (const statement of INBOX_COUNT_TRIGGERS[engine]) await sql.raw(statement).execute(db)
        // "My threads with something unread": new-messages starts from these, not from every thread.
        await sql`create index thread_participants_unread on thread_participants (address, thread_id) where unread_count > 0`.execute(db)
        // …and in each of those threads only the rows past the marker, not the whole thread's.
        await db.schema.createIndex('inbox_unread').on('inbox').columns(['thread_id', 'address', 'message_id']).execute()
        await db.schema.dropIndex('inbox_thread').execute()
      },
    },
    '0018_participants_in_order': {
      // A page of threads lists each one's participants in the order they joined: from this
      // index alone, where the primary key's order (by address) needed every row read and sorted.
      // Sends never touch it: they move read markers and unread counts, which it leaves out.
      async up(db) {
        await db.schema.createIndex('thread_participants_order').on('thread_participants').columns(['thread_id', 'position', 'address']).execute()
      },
    },
    '0019_client_ids_only': {
      // The index that makes a client_id unique holds only the messages that have one: a send
      // without one (most sends) wrote an entry no lookup can find, one B-tree more to change.
      // Unique by (thread, sender, client_id) as before: NULLs never collided.
      async up(db) {
        await db.schema.dropIndex('messages_client_id').execute()
        await db.schema
          .createIndex('messages_client_id')
          .on('messages')
          .columns(['thread_id', 'sender', 'client_id'])
          .unique()
          .where(sql.ref('client_id'), 'is not', null)
          .execute()
      },
    },
  }
}

/** One more visible thread for `address` (or one fewer, with -1): the counter's upsert. */
const COUNT_UPSERT = (address: string, delta: string) =>
  `insert into inbox_counts (address, threads) values (${address}, ${delta})
   on conflict (address) do update set threads = inbox_counts.threads + excluded.threads`

/** The same three moves on each engine: a participant joins, leaves, or hides or shows the thread. */
const INBOX_COUNT_TRIGGERS: Record<Engine, string[]> = {
  sqlite: [
    `create trigger inbox_counts_join after insert on thread_participants when new.hidden = 0
     begin ${COUNT_UPSERT('new.address', '1')}; end`,
    `create trigger inbox_counts_leave after delete on thread_participants when old.hidden = 0
     begin ${COUNT_UPSERT('old.address', '-1')}; end`,
    `create trigger inbox_counts_hide after update of hidden on thread_participants when old.hidden <> new.hidden
     begin ${COUNT_UPSERT('new.address', 'case when new.hidden = 0 then 1 else -1 end')}; end`,
  ],
  postgres: [
    `create function inbox_counts_follow() returns trigger language plpgsql as $$
     begin
       if tg_op in ('UPDATE', 'DELETE') and old.hidden = 0 and (tg_op = 'DELETE' or new.hidden <> 0) then
         ${COUNT_UPSERT('old.address', '-1')};
       end if;
       if tg_op in ('INSERT', 'UPDATE') and new.hidden = 0 and (tg_op = 'INSERT' or old.hidden <> 0) then
         ${COUNT_UPSERT('new.address', '1')};
       end if;
       return null;
     end $$`,
    `create trigger inbox_counts_follow after insert or delete or update of hidden on thread_participants
     for each row execute function inbox_counts_follow()`,
  ],
}
