import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isUniqueViolation } from '../../../src/core/database/database.js'
import type { Engine } from '../../../src/core/database/engine.js'
import { openAttachmentDatabase, type AttachmentDatabase } from './databases.js'

const ENGINES: Engine[] = ['sqlite', 'postgres']
const NOW = '2025-01-01T00:00:00.000Z'

for (const engine of ENGINES) {
  describe(`0003_attachments on ${engine}`, () => {
    let database: AttachmentDatabase
    beforeEach(async () => {
      database = await openAttachmentDatabase(engine)
    })
    afterEach(() => database.close())

    /** A thread with one message, and an attachment sent with it. */
    async function sentAttachment(publicId = 'p1') {
      const { db } = database
      const thread = await db
        .insertInto('threads')
        .values({ uuid: 'u1', participant_key: 'k1', created_at: NOW, updated_at: NOW })
        .returning('id')
        .executeTakeFirstOrThrow()
      const message = await db
        .insertInto('messages')
        .values({ thread_id: thread.id, sender: 'Ra', content: '', created_at: NOW })
        .returning('id')
        .executeTakeFirstOrThrow()
      const attachment = await db
        .insertInto('attachments')
        .values({
          public_id: publicId,
          thread_id: thread.id,
          uploader: 'Ra',
          message_id: message.id,
          kind: 'image',
          content_type: 'image/png',
          name: 'a.png',
          size: 10,
          sha256: 'ab'.repeat(32),
          created_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return { thread: thread.id, message: message.id, attachment: attachment.id }
    }

    it('an attachment outlives its deleted message, unsent', async () => {
      const { message, attachment } = await sentAttachment()

      await database.db.deleteFrom('messages').where('id', '=', message).execute()

      const row = await database.db.selectFrom('attachments').selectAll().where('id', '=', attachment).executeTakeFirst()
      expect(row).toMatchObject({ message_id: null, width: null, height: null, thumbnail_sha256: null })
    })

    it('an attachment goes with its thread', async () => {
      const { thread } = await sentAttachment()

      await database.db.deleteFrom('threads').where('id', '=', thread).execute()

      expect(await database.db.selectFrom('attachments').selectAll().execute()).toEqual([])
    })

    it('a public id names one attachment', async () => {
      const { thread } = await sentAttachment('same')
      const twin = database.db
        .insertInto('attachments')
        .values({
          public_id: 'same',
          thread_id: thread,
          uploader: 'Rb',
          kind: 'file',
          content_type: 'application/octet-stream',
          name: 'b',
          size: 1,
          sha256: 'cd'.repeat(32),
          created_at: NOW,
        })
        .execute()

      await expect(twin).rejects.toSatisfy(isUniqueViolation)
    })

    it(`creates the blob tables ${engine === 'postgres' ? 'on PostgreSQL' : 'only on PostgreSQL'}`, async () => {
      const tables = (await database.db.introspection.getTables()).map((table) => table.name)
      expect(tables.includes('blobs') && tables.includes('blob_chunks')).toBe(engine === 'postgres')
    })
  })
}
