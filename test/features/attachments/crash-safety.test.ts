import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/core/database/database.js'
import { FilesystemBlobStore, type Attachment } from '../../../src/features/attachments/index.js'
import { ApiError, VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { MIGRATIONS, type Tables } from '../../../src/server.js'
import { pause } from '../streams/clients.js'
import { serversOnFreshFolder } from '../../helpers/child-server.js'

const UPLOADERS = 4
const KILLS = 2

const data = serversOnFreshFolder('vfx-chat-upload-crash-', { ATTACHMENT_DAILY_BYTES: '0' })
const start = () => data.start()

/** A lost connection (the server was killed) as opposed to an answer. */
const isConnectionLoss = (error: unknown) => !(error instanceof ApiError) || error.status === 503

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

interface Sent {
  messageId: number
  attachmentId: string
  sha256: string
}

describe('SIGKILL during uploads', () => {
  it('leaves no message pointing at missing bytes, and every acknowledged upload whole', async () => {
    let server = await start()
    const clients = await Promise.all(
      Array.from({ length: UPLOADERS }, async () => {
        const client = new VfxChatClient(server.url)
        const session = await client.signIn(VfxSigner.generate())
        return { token: session.token, address: session.address }
      }),
    )
    const { thread } = await new VfxChatClient(server.url, clients[0]!.token).createThread({
      participants: clients.map((c) => c.address),
    })

    const sent: Sent[] = []
    let stopping = false
    // Each uploader uploads a file of its own bytes, then sends it; whatever a kill interrupts is
    // retried as a client would: a new upload, or the same send (same client_id, same attachment).
    const loops = clients.map(async ({ token }, index) => {
      for (let seq = 0; !stopping; seq++) {
        const bytes = new Uint8Array(randomBytes(64 * 1024 + Math.floor(Math.random() * 256 * 1024)))
        let attachment: Attachment | undefined
        while (!attachment) {
          try {
            attachment = await new VfxChatClient(server.url, token).uploadAttachment(thread.uuid, bytes, `f${index}-${seq}.bin`)
          } catch (error) {
            if (!isConnectionLoss(error)) throw error
            await pause(20)
          }
        }
        for (;;) {
          try {
            const { message } = await new VfxChatClient(server.url, token).sendMessage(thread.uuid, {
              content: '',
              client_id: `${index}-${seq}`,
              attachments: [attachment.id],
            })
            sent.push({ messageId: message.id, attachmentId: attachment.id, sha256: sha256(bytes) })
            break
          } catch (error) {
            if (!isConnectionLoss(error)) throw error
            await pause(20)
          }
        }
      }
    })

    for (let kill = 0; kill < KILLS; kill++) {
      await pause(400 + Math.floor(Math.random() * 800))
      server.child.kill('SIGKILL')
      await server.exited
      server = await start()
    }
    await pause(300)
    stopping = true
    await Promise.all(loops)
    expect(sent.length).toBeGreaterThan(UPLOADERS)

    // Every acknowledged message still shows its attachment, and its bytes are exactly the upload's.
    const reader = new VfxChatClient(server.url, clients[0]!.token)
    const shown = new Map<number, Attachment[]>()
    for (let after = 0; ; ) {
      const page = await reader.listMessages(thread.uuid, { after, limit: 500 })
      for (const message of page.results) shown.set(message.id, message.attachments)
      if (!page.next) break
      after = page.results.at(-1)!.id
    }
    for (const { messageId, attachmentId, sha256: expected } of sent) {
      const [attachment] = shown.get(messageId) ?? []
      expect(attachment?.id).toBe(attachmentId)
      const served = new Uint8Array(await (await fetch(server.url + attachment!.url)).arrayBuffer())
      expect(sha256(served)).toBe(expected)
    }

    // And no attachment of any message, acknowledged or not, names bytes the store lacks.
    const { db } = await openDatabase(`sqlite:${join(data.folder, 'chat.db')}`, MIGRATIONS)
    try {
      const attached = await db.withTables<Tables>().selectFrom('attachments').select('sha256').where('message_id', 'is not', null).execute()
      const blobs = new FilesystemBlobStore(join(data.folder, 'blobs'))
      for (const { sha256: name } of attached) expect(await blobs.has(name), name).toBe(true)
    } finally {
      await db.destroy()
    }
    // A write the kill cut short is never visible under a blob's name.
    const stored = readdirSync(join(data.folder, 'blobs'), { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && !entry.parentPath.endsWith('incoming'),
    )
    expect(stored.every((entry) => /^[0-9a-f]{62}$/.test(entry.name))).toBe(true)
  }, 90_000)
})
