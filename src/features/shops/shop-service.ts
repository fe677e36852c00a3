import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, NotFound } from '../../core/errors.js'
import type { ShopRepository } from './shop-repository.js'
import { checkShopName, parseShopUrl } from './shop-rules.js'
import type { Shop } from './shop-schemas.js'

/** One shop of the VFX network's DecShop list, as an operator imports it. */
export interface DecShop {
  id: string
  name: string
  url: string
  owner: string
  offline: boolean
}

/** Shops (docs/api.md §6): a public directory; only a shop's owner may change or delete it. */
export class ShopService {
  readonly #repository: ShopRepository
  readonly #clock: Clock

  constructor(repository: ShopRepository, clock: Clock) {
    this.#repository = repository
    this.#clock = clock
  }

  list(search: string | undefined, limit: number, offset: number) {
    return this.#repository.list(search, limit, offset)
  }

  /** The shop, or undefined: for callers that turn a missing shop into their own answer. */
  find(id: number): Promise<Shop | undefined> {
    return this.#repository.get(id)
  }

  async get(id: number): Promise<Shop> {
    const shop = await this.#repository.get(id)
    if (!shop) throw new NotFound()
    return shop
  }

  async create(owner: string, body: { name: string; url: string }): Promise<Shop> {
    const name = checkShopName(body.name)
    const { url, slug } = parseShopUrl(body.url)
    return this.#repository.create({ name, url, slug, owner_address: owner, created_at: timestamp(this.#clock) })
  }

  async update(caller: string, id: number, body: { name?: string; url?: string }): Promise<Shop> {
    await this.#owned(caller, id)
    await this.#repository.update(id, {
      ...(body.name !== undefined && { name: checkShopName(body.name) }),
      ...(body.url !== undefined && parseShopUrl(body.url)),
    })
    return this.get(id)
  }

  async delete(caller: string, id: number): Promise<void> {
    await this.#owned(caller, id)
    await this.#repository.delete(id)
  }

  async #owned(caller: string, id: number): Promise<void> {
    if ((await this.get(id)).owner_address !== caller) throw new Forbidden('Only the shop owner may change it.')
  }

  /**
   * Creates or updates the shop a DecShop list entry describes, keyed by its UniqueId, so a
   * second import of the same list changes nothing. Skips an offline shop.
   */
  async importDecShop(entry: DecShop): Promise<'created' | 'updated' | 'skipped'> {
    if (entry.offline) return 'skipped'
    const name = checkShopName(entry.name)
    const { url, slug } = parseShopUrl(entry.url)
    const existing = await this.#repository.findByDecShopId(entry.id)
    if (!existing) {
      await this.#repository.create({ name, url, slug, owner_address: entry.owner, created_at: timestamp(this.#clock), dec_shop_id: entry.id })
      return 'created'
    }
    if (existing.name === name && existing.url === url && existing.owner_address === entry.owner) return 'skipped'
    await this.#repository.update(existing.id, { name, url, slug, owner_address: entry.owner })
    return 'updated'
  }

  /** The shops `owner` owns: what an export lists and an erasure closes. */
  ownedBy(owner: string): Promise<Shop[]> {
    return this.#repository.ownedBy(owner)
  }
}
