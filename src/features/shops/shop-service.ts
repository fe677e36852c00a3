import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, NotFound } from '../../core/errors.js'
import type { ShopRepository } from './shop-repository.js'
import { checkShopName, parseShopUrl } from './shop-rules.js'
import type { Shop } from './shop-schemas.js'

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

  /** The shops `owner` owns: what an export lists and an erasure closes. */
  ownedBy(owner: string): Promise<Shop[]> {
    return this.#repository.ownedBy(owner)
  }
}
