import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { aMessage, NOT_FOUND, raw, TIME, withDatabase } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { messagesOf, openSse } from '../streams/clients.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const WINDOW_SECONDS = 600

forEachEngine((engine) => {
  const clock = new ManualClock(Date.now())
  const moderatorKey = VfxSigner.generate()
  let server: TestServer
  let buyer: Client
  let seller: Client
  let uuid: string
  beforeAll(async () => {
    server = await startTestServer(
      { MESSAGE_EDIT_WINDOW: String(WINDOW_SECONDS), ADMIN_ADDRESSES: moderatorKey.address },
      { engine, clock },
    )
    ;[buyer, seller] = await Promise.all([server.signIn(), server.signIn()])
    ;({ thread: { uuid } } = await buyer.createThread({ participants: [buyer.address, seller.address] }))
  })
  afterAll(() => server.destroy())

  const patch = (client: Client, id: number, content: string, thread = uuid) =>
    raw(server, 'PATCH', `/api/chat/${thread}/message/${id}/`, { token: client.token, body: { content } })
  const remove = (client: Client, id: number, thread = uuid) =>
    raw(server, 'DELETE', `/api/chat/${thread}/message/${id}/`, { token: client.token })

  describe('PATCH /api/chat/{uuid}/message/{id}/', () => {
    it('is what the SDK’s editMessage and deleteMessage call', async () => {
      const { message } = await buyer.sendMessage(uuid, { content: 'typo' })
      expect(await buyer.editMessage(uuid, message.id, 'fixed')).toMatchObject({ id: message.id, content: 'fixed', edited_at: expect.stringMatching(TIME) })
      await buyer.deleteMessage(uuid, message.id)
      expect((await seller.getThread(uuid)).messages.find((m) => m.id === message.id)).toMatchObject({ content: '', deleted_by: 'sender' })
    })

    it('edits the sender’s message: everyone sees it edited, live and in every view, and its old words are kept', async () => {
      const stream = await openSse(server.url, { token: seller.token! })
      const { message } = await buyer.sendMessage(uuid, { content: 'Is it 40 VFX?' })
      const answer = await patch(buyer, message.id, 'Is it 45 VFX?')
      const edited = aMessage({ id: message.id, sender: buyer.address, content: 'Is it 45 VFX?', edited_at: expect.stringMatching(TIME) })
      expect({ status: answer.status, body: answer.json }).toEqual({ status: 200, body: edited })

      const events = await stream.events.until((all) => all.some((e) => e.type === 'message_updated'))
      expect(JSON.parse(events.find((e) => e.type === 'message_updated')!.data)).toEqual(answer.json)
      expect(messagesOf(events).map((m) => m.content)).toEqual(['Is it 40 VFX?'])
      stream.close()
      const detail = await seller.getThread(uuid)
      expect(detail.messages.find((m) => m.id === message.id)).toEqual(answer.json)
      expect(detail.last_message).toBe('Is it 45 VFX?')
      const history = await withDatabase(server, (db) =>
        db.selectFrom('message_edits').select('content').where('message_id', '=', message.id).execute(),
      )
      expect(history).toEqual([{ content: 'Is it 40 VFX?' }])
    })

    it('lets only the sender edit, within MESSAGE_EDIT_WINDOW, and names nothing in other threads', async () => {
      const { message } = await buyer.sendMessage(uuid, { content: 'original' })
      const notYours = await patch(seller, message.id, 'forged')
      expect({ status: notYours.status, body: notYours.json }).toEqual({ status: 403, body: { detail: 'You can only change your own messages.' } })
      const outsider = await server.signIn()
      expect((await patch(outsider, message.id, 'x')).json).toEqual(NOT_FOUND)
      const { thread: other } = await buyer.createThread({ participants: [buyer.address, outsider.address] })
      expect((await patch(buyer, message.id, 'x', other.uuid)).status).toBe(404)
      expect((await patch(buyer, 999_999, 'x')).status).toBe(404)
      expect((await patch(buyer, message.id, '  ')).json).toEqual({ content: ['This field may not be blank.'] })

      clock.advance((WINDOW_SECONDS + 1) * 1000)
      const late = await patch(buyer, message.id, 'too late')
      expect({ status: late.status, body: late.json }).toEqual({
        status: 403,
        body: { detail: `Messages can be changed for ${WINDOW_SECONDS} seconds after they are sent.` },
      })
      expect((await seller.getThread(uuid)).messages.find((m) => m.id === message.id)?.content).toBe('original')
    })
  })

  describe('DELETE /api/chat/{uuid}/message/{id}/', () => {
    it('deletes the message for everyone: a tombstone in every view, and the inbox says so', async () => {
      const { message } = await buyer.sendMessage(uuid, { content: 'wrong price' })
      const stream = await openSse(server.url, { token: seller.token! })
      expect((await remove(buyer, message.id)).status).toBe(204)
      const events = await stream.events.until((all) => all.some((e) => e.type === 'message_updated'))
      const tombstone = aMessage({ id: message.id, sender: buyer.address, content: '', deleted_by: 'sender', is_read: expect.any(Boolean) })
      expect(JSON.parse(events.find((e) => e.type === 'message_updated')!.data)).toEqual(tombstone)
      stream.close()
      const [detail, page, inbox] = await Promise.all([seller.getThread(uuid), seller.listMessages(uuid), seller.listThreads()])
      expect(detail.messages.find((m) => m.id === message.id)).toEqual(tombstone)
      expect(page.results.find((m) => m.id === message.id)).toEqual(tombstone)
      expect(inbox.results.find((t) => t.uuid === uuid)?.last_message).toBe('Message deleted')

      // Deleting again changes nothing; editing a deleted message is a conflict.
      expect((await remove(buyer, message.id)).status).toBe(204)
      const edit = await patch(buyer, message.id, 'back')
      expect({ status: edit.status, body: edit.json }).toEqual({ status: 409, body: { detail: 'This message was deleted.' } })
    })

    it('refuses another sender with 403 and an outsider with 404', async () => {
      const { message } = await buyer.sendMessage(uuid, { content: 'mine' })
      expect((await remove(seller, message.id)).status).toBe(403)
      expect((await remove(await server.signIn(), message.id)).status).toBe(404)
      expect((await seller.getThread(uuid)).messages.find((m) => m.id === message.id)?.content).toBe('mine')
    })
  })

  describe('POST /api/moderation/messages/{id}/remove/', () => {
    it('removes any message for everyone as moderators, and writes it to the audit log', async () => {
      const moderator = await server.signIn(moderatorKey)
      const { message } = await buyer.sendMessage(uuid, { content: 'scam link' })
      const answer = await raw(server, 'POST', `/api/moderation/messages/${message.id}/remove/`, {
        token: moderator.token,
        body: { reason: 'phishing' },
      })
      expect(answer.status).toBe(204)
      const shown = (await seller.getThread(uuid)).messages.find((m) => m.id === message.id)
      expect(shown).toMatchObject({ content: '', deleted_by: 'moderator', attachments: [] })
      expect((await seller.getThread(uuid)).last_message).toBe('Message removed by moderators')
      const audit = await raw(server, 'GET', '/api/moderation/audit/', { token: moderator.token })
      expect((audit.json as { results: unknown[] }).results[0]).toMatchObject({
        moderator: moderator.address,
        action: 'message_removed',
        target: String(message.id),
      })
      const refused = await raw(server, 'POST', `/api/moderation/messages/${message.id}/remove/`, {
        token: buyer.token,
        body: { reason: 'x' },
      })
      expect({ status: refused.status, body: refused.json }).toEqual({ status: 403, body: { detail: 'You are not a moderator.' } })
    })
  })
})
