import { Forbidden, NotFound } from '../domain/errors.js'
import { checkShopName, parseShopUrl } from '../domain/shop.js'
import type { ChatStore, ShopRecord } from '../store/chat-store.js'

/** Shops (API.md §6): a public directory; only a shop's owner may change or delete it. */
export class ShopService {
  readonly #store: ChatStore

  constructor(store: ChatStore) {
    this.#store = store
  }

  list(search: string | undefined, limit: number, offset: number) {
    return this.#store.listShops(search, limit, offset)
  }

  async get(id: number): Promise<ShopRecord> {
    const shop = await this.#store.getShop(id)
    if (!shop) throw new NotFound()
    return shop
  }

  async create(owner: string, body: { name: string; url: string }): Promise<ShopRecord> {
    const name = checkShopName(body.name)
    const { url, slug } = parseShopUrl(body.url)
    return this.#store.createShop({ name, url, slug, owner_address: owner, created_at: new Date().toISOString() })
  }

  async update(caller: string, id: number, body: { name?: string; url?: string }): Promise<ShopRecord> {
    await this.#owned(caller, id)
    await this.#store.updateShop(id, {
      ...(body.name !== undefined && { name: checkShopName(body.name) }),
      ...(body.url !== undefined && parseShopUrl(body.url)),
    })
    return this.get(id)
  }

  async delete(caller: string, id: number): Promise<void> {
    await this.#owned(caller, id)
    await this.#store.deleteShop(id)
  }

  async #owned(caller: string, id: number): Promise<void> {
    if ((await this.get(id)).owner_address !== caller) throw new Forbidden('Only the shop owner may change it.')
  }
}
