import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { openDatabase } from '../../../src/core/database/database.js'
import { MIGRATIONS } from '../../../src/server.js'

it('opens a file database in WAL mode, with foreign keys and sub-journals in memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfx-chat-settings-'))
  const { db } = await openDatabase(`sqlite:${join(dir, 'chat.db')}`, MIGRATIONS)
  const setting = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0]
  try {
    expect(await setting('journal_mode')).toBe('wal')
    // 1 = NORMAL: a commit survives a crash of the process without waiting for the disk.
    expect(await setting('synchronous')).toBe(1)
    expect(await setting('foreign_keys')).toBe(1)
    // 2 = MEMORY: a savepoint's copies of the pages it changes are never written to a file.
    expect(await setting('temp_store')).toBe(2)
  } finally {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
})
