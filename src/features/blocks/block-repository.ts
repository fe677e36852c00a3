import type { Kysely } from 'kysely'
import { isUniqueViolation } from '../../core/database/database.js'
import { prepared } from '../../core/database/prepared.js'
import type { BlockTables } from './block-tables.js'

export interface BlockRecord {
  address: string
  created_at: string
}

/** Who blocked whom. */
export class BlockRepository {
  readonly #db: Kysely<BlockTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<BlockTables>()
  }

  /** Adds the block; false when it was there already. */
  async add(blocker: string, blocked: string, now: string): Promise<boolean> {
    try {
      await this.#db.insertInto('blocks').values({ blocker, blocked, created_at: now }).execute()
      return true
    } catch (error) {
      if (isUniqueViolation(error)) return false
      throw error
    }
  }

  async remove(blocker: string, blocked: string): Promise<boolean> {
    const { numDeletedRows } = await this.#db
      .deleteFrom('blocks')
      .where('blocker', '=', blocker)
      .where('blocked', '=', blocked)
      .executeTakeFirst()
    return numDeletedRows > 0n
  }

  async find(blocker: string, blocked: string): Promise<BlockRecord | undefined> {
    return this.#db
      .selectFrom('blocks')
      .select(['blocked as address', 'created_at'])
      .where('blocker', '=', blocker)
      .where('blocked', '=', blocked)
      .executeTakeFirst()
  }

  async list(blocker: string, limit: number, offset: number): Promise<{ count: number; blocks: BlockRecord[] }> {
    const query = this.#db.selectFrom('blocks').where('blocker', '=', blocker)
    const [{ count }, blocks] = await Promise.all([
      query.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      query.select(['blocked as address', 'created_at']).orderBy('created_at', 'desc').orderBy('blocked').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), blocks }
  }

  /** Everyone `blocker` has blocked. */
  async blockedBy(blocker: string): Promise<string[]> {
    return (await blockedBy(this.#db, blocker)).rows.map((row) => row.blocked)
  }

  /** Everyone who blocked `address`: nobody, for nearly every address. */
  async blockersOf(address: string): Promise<string[]> {
    return (await blockersOf(this.#db, address)).rows.map((row) => row.blocker)
  }

  /** Deletes every block `blocker` made; the blocks others made of it stay theirs. */
  async removeAllBy(blocker: string): Promise<void> {
    await this.#db.deleteFrom('blocks').where('blocker', '=', blocker).execute()
  }
}

// Every inbox listing and every send asks these: compiled once.
const blockedBy = prepared((db: Kysely<BlockTables>, blocker: string) =>
  db.selectFrom('blocks').select('blocked').where('blocker', '=', blocker),
)

const blockersOf = prepared((db: Kysely<BlockTables>, blocked: string) =>
  db.selectFrom('blocks').select('blocker').where('blocked', '=', blocked),
)
