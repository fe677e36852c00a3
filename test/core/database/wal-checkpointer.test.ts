import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { openDatabase } from '../../../src/core/database/database.js'
import type { AuthTables } from '../../../src/features/auth/index.js'
import { MIGRATIONS } from '../../../src/server.js'

it('copies committed pages into the database file in the background, and stops with the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfx-chat-wal-'))
  const path = join(dir, 'chat.db')
  const db = (await openDatabase(`sqlite:${path}`, MIGRATIONS)).db.withTables<AuthTables>()
  try {
    const before = statSync(path).size
    // 400 KB of rows, about 500 WAL pages: fewer than SQLite's own checkpoint threshold (1,000).
    for (let i = 0; i < 100; i++) {
      await db.insertInto('challenges').values({ message_hash: `h${i}`, address: 'x'.repeat(4000), expires_at: '2030-01-01' }).execute()
    }
    let size = statSync(path).size
    for (let waited = 0; size <= before && waited < 10_000; waited += 50) {
      await sleep(50)
      size = statSync(path).size
    }
    expect(size).toBeGreaterThan(before + 300_000)
  } finally {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
})
