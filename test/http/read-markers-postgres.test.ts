import { describe, it } from 'vitest'
import { expectReadRaceEndsAtFurthest } from '../helpers/contract.js'
import { postgresSchema } from '../helpers/postgres.js'
import { startTestServer } from '../helpers/server.js'

describe('read markers on PostgreSQL', () => {
  // SQLite runs one write at a time; PostgreSQL runs them side by side, where a read-then-write
  // marker update moved markers back.
  it('never move back under racing calls', async () => {
    const schema = await postgresSchema()
    const server = await startTestServer({ DATABASE_URL: schema.url })
    try {
      await expectReadRaceEndsAtFurthest(server)
    } finally {
      await server.destroy()
      await schema.drop()
    }
  })
})
