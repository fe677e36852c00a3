import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { expectError, NOT_FOUND, raw, TIME } from '../../helpers/contract.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { forEachEngine } from '../../helpers/engines.js'

forEachEngine((engine) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({}, { engine })
  })
  afterAll(() => server.destroy())

  const slug = () => `s-${randomUUID().slice(0, 8)}`
  const BAD_URL = { url: ['Enter a shop URL like vfx://my-shop or rbx://my-shop (1–64 of a-z 0-9 - _ .).'] }
  const TAKEN = { detail: 'A shop with this URL already exists.' }
  const NOT_OWNER = { detail: 'Only the shop owner may change it.' }

  describe('POST /api/shop/', () => {
    it('opens a shop owned by the caller: 201, URL lower-cased', async () => {
      const owner = await server.signIn()
      const name = slug()
      const shop = await owner.createShop({ name: ` ${name} `, url: `VFX://${name.toUpperCase()}` })
      expect(shop).toEqual({
        id: expect.any(Number),
        name,
        url: `vfx://${name}`,
        owner_address: owner.address,
        created_at: expect.stringMatching(TIME),
      })
    })

    it('refuses a URL already taken, in either scheme, with 409', async () => {
      const [a, b] = await Promise.all([server.signIn(), server.signIn()])
      const name = slug()
      await a.createShop({ name, url: `rbx://${name}` })
      await expectError(b.createShop({ name, url: `vfx://${name}` }), 409, TAKEN)
      await expectError(a.createShop({ name, url: `rbx://${name}` }), 409, TAKEN)
    })

    it('validates the URL and the name with 400 on the field', async () => {
      const owner = await server.signIn()
      for (const url of ['https://shop', 'vfx://', 'vfx://a b', `vfx://${'a'.repeat(65)}`, 'vfx://ü']) {
        await expectError(owner.createShop({ name: 'x', url }), 400, BAD_URL)
      }
      await expectError(owner.createShop({ name: '  ', url: `vfx://${slug()}` }), 400, { name: ['This field may not be blank.'] })
      await expectError(owner.createShop({ name: 'n'.repeat(101), url: `vfx://${slug()}` }), 400, {
        name: ['Ensure this field has no more than 100 characters.'],
      })
      expect((await owner.createShop({ name: '🛍'.repeat(100), url: `vfx://${slug()}` })).name).toBe('🛍'.repeat(100))
      const missing = await raw(server, 'POST', '/api/shop/', { token: owner.token, body: {} })
      expect(missing).toMatchObject({ status: 400, json: { name: ['This field is required.'], url: ['This field is required.'] } })
    })

    it('needs a signed-in caller', async () => {
      const answer = await raw(server, 'POST', '/api/shop/', { body: { name: 'x', url: 'vfx://x' } })
      expect(answer).toMatchObject({ status: 401, json: { detail: 'Authentication credentials were not provided.' } })
    })
  })

  describe('GET /api/shop/ and /api/shop/{id}/ (public)', () => {
    it('lists shops by id, paginated, without a token', async () => {
      const owner = await server.signIn()
      const tag = slug()
      const made = []
      for (let i = 0; i < 3; i++) made.push(await owner.createShop({ name: `${tag} ${i}`, url: `vfx://${tag}-${i}` }))
      const anonymous = new VfxChatClient(server.url)
      const page = await anonymous.listShops({ search: tag, page_size: 2 })
      expect(page).toEqual({
        count: 3,
        next: `${server.url}/api/shop/?search=${tag}&page_size=2&page=2`,
        previous: null,
        results: made.slice(0, 2),
      })
      expect(await anonymous.getShop(made[0]!.id)).toEqual(made[0])
    })

    it('search matches the name in any case, or the URL, and treats % and _ literally', async () => {
      const owner = await server.signIn()
      const tag = slug()
      const byName = await owner.createShop({ name: `Moon ${tag} Gallery`, url: `vfx://${slug()}` })
      const byUrl = await owner.createShop({ name: 'Other', url: `rbx://${tag}-art` })
      const anonymous = new VfxChatClient(server.url)
      expect((await anonymous.listShops({ search: tag.toUpperCase() })).results).toEqual([byName, byUrl])
      expect((await anonymous.listShops({ search: '%' })).count).toBe(0)
    })

    it('answers 404 for an unknown or malformed id', async () => {
      for (const id of ['999999', 'abc', '0', '-1', '1.5', '99999999999']) {
        const answer = await raw(server, 'GET', `/api/shop/${id}/`)
        expect({ id, status: answer.status, json: answer.json }).toEqual({ id, status: 404, json: NOT_FOUND })
      }
    })
  })

  describe('PATCH /api/shop/{id}/', () => {
    it('lets the owner rename and move the shop', async () => {
      const owner = await server.signIn()
      const shop = await owner.createShop({ name: 'Before', url: `vfx://${slug()}` })
      const url = `rbx://${slug()}`
      expect(await owner.updateShop(shop.id, { name: 'After', url })).toEqual({ ...shop, name: 'After', url })
      expect(await owner.getShop(shop.id)).toEqual({ ...shop, name: 'After', url })
    })

    it('refuses anyone else with 403', async () => {
      const [owner, other] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await owner.createShop({ name: 'Mine', url: `vfx://${slug()}` })
      await expectError(other.updateShop(shop.id, { name: 'Theirs' }), 403, NOT_OWNER)
      expect((await owner.getShop(shop.id)).name).toBe('Mine')
    })

    it('refuses a URL another shop has with 409', async () => {
      const owner = await server.signIn()
      const taken = await owner.createShop({ name: 'A', url: `vfx://${slug()}` })
      const shop = await owner.createShop({ name: 'B', url: `vfx://${slug()}` })
      await expectError(owner.updateShop(shop.id, { url: taken.url.replace('vfx', 'rbx') }), 409, TAKEN)
    })

    it('answers 404 for a shop that does not exist', async () => {
      const owner = await server.signIn()
      await expectError(owner.updateShop(999_999, { name: 'x' }), 404, NOT_FOUND)
    })
  })

  describe('DELETE /api/shop/{id}/', () => {
    it('lets the owner close the shop: 204, then 404', async () => {
      const owner = await server.signIn()
      const shop = await owner.createShop({ name: 'Closing', url: `vfx://${slug()}` })
      const answer = await raw(server, 'DELETE', `/api/shop/${shop.id}/`, { token: owner.token })
      expect(answer).toMatchObject({ status: 204, text: '' })
      await expectError(owner.getShop(shop.id), 404, NOT_FOUND)
    })

    it('refuses anyone else with 403', async () => {
      const [owner, other] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await owner.createShop({ name: 'Stays', url: `vfx://${slug()}` })
      await expectError(other.deleteShop(shop.id), 403, NOT_OWNER)
      expect((await owner.getShop(shop.id)).id).toBe(shop.id)
    })

    it("keeps the shop's threads, which then show no shop", async () => {
      const [owner, buyer] = await Promise.all([server.signIn(), server.signIn()])
      const shop = await owner.createShop({ name: 'Gone', url: `vfx://${slug()}` })
      const { thread } = await buyer.createThread({ participants: [buyer.address], shop_id: shop.id, initial_message: 'hi' })
      await owner.deleteShop(shop.id)
      expect(await buyer.getThread(thread.uuid)).toMatchObject({ shop: null, participants: [buyer.address, owner.address] })
    })
  })
})
