import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { startTestServer } from '../../helpers/server.js'

const folder = mkdtempSync(join(tmpdir(), 'vfx-chat-restart-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('a restart on the same database file', () => {
  it('keeps threads, messages, read markers, shops and tokens', async () => {
    const before = await startTestServer({}, { dir: folder })
    const [owner, buyer] = await Promise.all([before.signIn(), before.signIn()])
    const shop = await owner.createShop({ name: 'Kept', url: 'vfx://kept' })
    const { thread } = await buyer.createThread({ participants: [buyer.address], shop_id: shop.id, initial_message: 'one' })
    await owner.sendMessage(thread.uuid, { content: 'two', client_id: 'c-2' })
    await owner.sendMessage(thread.uuid, { content: 'three' })
    const { message: two } = await owner.sendMessage(thread.uuid, { content: 'two', client_id: 'c-2' })
    await buyer.markRead(thread.uuid, two.id)
    const seenByBuyer = await buyer.getThread(thread.uuid)
    const seenByOwner = await owner.getThread(thread.uuid)
    await before.close()

    const after = await startTestServer({}, { dir: folder })
    try {
      // The tokens issued before the restart still work.
      const buyerAgain = new VfxChatClient(after.url, buyer.token)
      const ownerAgain = new VfxChatClient(after.url, owner.token)
      expect(await buyerAgain.getThread(thread.uuid)).toEqual(seenByBuyer)
      expect(await ownerAgain.getThread(thread.uuid)).toEqual(seenByOwner)
      expect(seenByBuyer).toMatchObject({ unread_count: 1, shop: { id: shop.id, name: 'Kept', url: 'vfx://kept' } })
      expect(await buyerAgain.getShop(shop.id)).toEqual(shop)
      // client_id idempotency survives too.
      const resent = await ownerAgain.sendMessage(thread.uuid, { content: 'two', client_id: 'c-2' })
      expect(resent).toEqual({ message: { ...two, is_read: true }, created: false })
      // New ids continue after the old ones.
      const { message: four } = await ownerAgain.sendMessage(thread.uuid, { content: 'four' })
      expect(four.id).toBeGreaterThan(seenByOwner.messages.at(-1)!.id)
    } finally {
      await after.close()
    }
  })
})
