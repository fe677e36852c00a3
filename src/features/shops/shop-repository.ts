import { sql, type Kysely } from 'kysely'
import { isUniqueViolation } from '../../core/database/database.js'
import { Conflict } from '../../core/errors.js'
import type { Shop } from './shop-schemas.js'
import type { ShopTables } from './shop-tables.js'

const SHOP_COLUMNS = ['id', 'name', 'url', 'owner_address', 'created_at'] as const

/** The shop directory. */
export class ShopRepository {
  readonly #db: Kysely<ShopTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<ShopTables>()
  }

  async create(shop: Omit<Shop, 'id'> & { slug: string; dec_shop_id?: string }): Promise<Shop> {
    try {
      const { id } = await this.#db.insertInto('shops').values(shop).returning('id').executeTakeFirstOrThrow()
      return { id, name: shop.name, url: shop.url, owner_address: shop.owner_address, created_at: shop.created_at }
    } catch (error) {
      throw isUniqueViolation(error) ? new Conflict('A shop with this URL already exists.') : error
    }
  }

  async get(id: number): Promise<Shop | undefined> {
    return this.#db.selectFrom('shops').select(SHOP_COLUMNS).where('id', '=', id).executeTakeFirst()
  }

  async list(search: string | undefined, limit: number, offset: number): Promise<{ count: number; shops: Shop[] }> {
    let query = this.#db.selectFrom('shops')
    if (search) {
      const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      query = query.where(
        sql<boolean>`(lower(name) like ${pattern} escape '\\' or url like ${pattern} escape '\\')`,
      )
    }
    const [{ count }, shops] = await Promise.all([
      query.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      query.select(SHOP_COLUMNS).orderBy('id').limit(limit).offset(offset).execute(),
    ])
    return { count: Number(count), shops }
  }

  /** The shop imported from the DecShop list with this UniqueId. */
  async findByDecShopId(decShopId: string): Promise<Shop | undefined> {
    return this.#db.selectFrom('shops').select(SHOP_COLUMNS).where('dec_shop_id', '=', decShopId).executeTakeFirst()
  }

  async update(id: number, changes: { name?: string; url?: string; slug?: string; owner_address?: string }): Promise<void> {
    if (Object.keys(changes).length === 0) return
    try {
      await this.#db.updateTable('shops').set(changes).where('id', '=', id).execute()
    } catch (error) {
      throw isUniqueViolation(error) ? new Conflict('A shop with this URL already exists.') : error
    }
  }

  async delete(id: number): Promise<void> {
    await this.#db.deleteFrom('shops').where('id', '=', id).execute()
  }

  /** Every shop `owner` owns, by id. */
  async ownedBy(owner: string): Promise<Shop[]> {
    return this.#db.selectFrom('shops').select(SHOP_COLUMNS).where('owner_address', '=', owner).orderBy('id').execute()
  }
}
