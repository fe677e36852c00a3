import { Invalid } from '../../core/errors.js'

const SHOP_URL = /^(vfx|rbx):\/\/([a-z0-9._-]{1,64})$/

/**
 * Normalises a shop URL to lower case and returns it with its slug; the slug alone is unique,
 * so `vfx://a` and `rbx://a` name the same shop.
 */
export function parseShopUrl(url: string): { url: string; slug: string } {
  const normalised = url.trim().toLowerCase()
  const match = SHOP_URL.exec(normalised)
  if (!match) {
    throw new Invalid('url', 'Enter a shop URL like vfx://my-shop or rbx://my-shop (1–64 of a-z 0-9 - _ .).')
  }
  return { url: normalised, slug: match[2]! }
}

export function checkShopName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0) throw new Invalid('name', 'This field may not be blank.')
  if ([...trimmed].length > 100) throw new Invalid('name', 'Ensure this field has no more than 100 characters.')
  return trimmed
}
