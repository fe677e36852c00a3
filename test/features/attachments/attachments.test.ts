import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDatabase } from '../../../src/core/database/database.js'
import {
  FilesystemBlobStore,
  PostgresBlobStore,
  type Attachment,
  type BlobStore,
} from '../../../src/features/attachments/index.js'
import { aMessage, expectError, NOT_FOUND } from '../../helpers/contract.js'
import { forEachEngine } from '../../helpers/engines.js'
import { ManualClock } from '../../helpers/manual-clock.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { HTML, PDF, photoWithGps, png, pngBomb, SVG_WITH_SCRIPT } from './pictures.js'

type Client = Awaited<ReturnType<TestServer['signIn']>>

const LIMIT = 256 * 1024
const SANDBOX = "sandbox; default-src 'none'"

forEachEngine((engine) => {
  const clock = new ManualClock(Date.now())
  let server: TestServer
  let buyer: Client
  let seller: Client
  let uuid: string
  beforeAll(async () => {
    server = await startTestServer(
      { MAX_ATTACHMENT_BYTES: String(LIMIT), ATTACHMENT_DAILY_BYTES: String(4 * 1_048_576), ATTACHMENT_SWEEP_AFTER: '3600' },
      { engine, clock },
    )
    ;[buyer, seller] = await Promise.all([server.signIn(), server.signIn()])
    ;({ thread: { uuid } } = await buyer.createThread({ participants: [buyer.address, seller.address] }))
  })
  afterAll(() => server.destroy())

  /** POSTs the bytes as they are, under whatever Content-Type a careless client might claim. */
  async function upload(client: Client, bytes: Buffer, name: string, thread = uuid) {
    const response = await fetch(`${server.url}/api/chat/${thread}/attachments/?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'image/jpeg' },
      body: new Uint8Array(bytes),
    })
    return { status: response.status, headers: response.headers, json: (await response.json()) as unknown }
  }

  async function uploaded(client: Client, bytes: Buffer, name: string, thread = uuid): Promise<Attachment> {
    const answer = await upload(client, bytes, name, thread)
    expect(answer.status, JSON.stringify(answer.json)).toBe(201)
    return answer.json as Attachment
  }

  /** The server's own blob store, opened beside it: files next to the SQLite file, or PostgreSQL. */
  async function withBlobStore(use: (blobs: BlobStore) => Promise<void>): Promise<void> {
    if (engine === 'sqlite') return use(new FilesystemBlobStore(join(dirname(server.databaseUrl.slice('sqlite:'.length)), 'blobs')))
    const { db } = connectDatabase(server.databaseUrl)
    try {
      await use(new PostgresBlobStore(db))
    } finally {
      await db.destroy()
    }
  }

  const download = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers })

  describe('POST /api/chat/{uuid}/attachments/', () => {
    it('re-encodes a photo: 201 with its shape, and what anyone downloads has no EXIF or GPS left', async () => {
      const photo = await photoWithGps()
      expect((await sharp(photo).metadata()).exif).toBeDefined()
      const attachment = await uploaded(buyer, photo, 'IMG_0001.jpg')
      expect(attachment).toEqual({
        id: expect.stringMatching(/^[\w-]{22}$/),
        kind: 'image',
        content_type: 'image/jpeg',
        size: expect.any(Number),
        name: 'IMG_0001.jpg',
        width: expect.any(Number),
        height: expect.any(Number),
        url: expect.stringMatching(/^\/api\/attachments\/[\w-]+\/\?expires=\d+&signature=[\w-]+$/),
        thumbnail_url: expect.stringMatching(/^\/api\/attachments\/[\w-]+\/thumbnail\/\?expires=\d+&signature=[\w-]+$/),
      })

      const original = await download(attachment.url)
      expect(original.status).toBe(200)
      expect(original.headers.get('content-type')).toBe('image/jpeg')
      expect(original.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''IMG_0001.jpg")
      expect(original.headers.get('x-content-type-options')).toBe('nosniff')
      expect(original.headers.get('content-security-policy')).toBe(SANDBOX)
      expect(original.headers.get('cache-control')).toBe('private, max-age=3600')
      const bytes = Buffer.from(await original.arrayBuffer())
      expect(bytes.length).toBe(attachment.size)
      const served = await sharp(bytes).metadata()
      expect({ exif: served.exif, icc: served.icc, xmp: served.xmp }).toEqual({ exif: undefined, icc: undefined, xmp: undefined })
      expect([served.width, served.height]).toEqual([attachment.width, attachment.height])

      const thumbnail = await download(attachment.thumbnail_url!)
      expect(thumbnail.headers.get('content-type')).toBe('image/webp')
      const small = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()
      expect(small.format).toBe('webp')
      expect(Math.max(small.width!, small.height!)).toBeLessThanOrEqual(320)
    })

    it.each([
      ['an HTML page named .jpg', HTML, 'cute.jpg', 'application/octet-stream'],
      ['an SVG with a script', SVG_WITH_SCRIPT, 'logo.svg', 'application/octet-stream'],
      ['a PDF certificate', PDF, 'certificate.pdf', 'application/pdf'],
    ])('keeps %s a file, only ever downloaded, never run on this origin', async (_what, bytes, name, contentType) => {
      const attachment = await uploaded(buyer, Buffer.from(bytes), name)
      expect(attachment).toMatchObject({ kind: 'file', content_type: contentType, width: null, height: null, thumbnail_url: null })
      const served = await download(attachment.url)
      expect(served.headers.get('content-type')).toBe(contentType)
      expect(served.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${name}`)
      expect(served.headers.get('x-content-type-options')).toBe('nosniff')
      expect(served.headers.get('content-security-policy')).toBe(SANDBOX)
      expect(await served.text()).toBe(bytes)
    })

    it.each([
      ['an empty file', Buffer.alloc(0), { file: ['The submitted file is empty.'] }],
      ['a 20000×20000 PNG bomb', pngBomb(20_000), { file: ['The image has more than 40000000 pixels.'] }],
    ])('refuses %s with 400 on the file field', async (_what, bytes, body) => {
      const answer = await upload(buyer, bytes, 'x.png')
      expect({ status: answer.status, body: answer.json }).toEqual({ status: 400, body })
    })

    it('refuses a truncated JPEG with 400, and the server keeps serving', async () => {
      const photo = await photoWithGps()
      const response = await fetch(`${server.url}/api/chat/${uuid}/attachments/?name=cut.jpg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${buyer.token}` },
        body: new Uint8Array(photo.subarray(0, Math.floor(photo.length / 2))),
      })
      expect(response.status).toBe(400)
      expect(Object.keys(await response.json())).toEqual(['file'])
      expect((await buyer.listThreads()).count).toBeGreaterThan(0)
    })

    it('refuses a body past MAX_ATTACHMENT_BYTES with 413, announced or streamed', async () => {
      const tooLarge = { detail: 'File is too large (limit 256 KiB).' }
      const announced = await upload(buyer, Buffer.alloc(LIMIT + 1, 1), 'big.bin')
      expect({ status: announced.status, body: announced.json }).toEqual({ status: 413, body: tooLarge })

      // No Content-Length: the cap holds while the bytes arrive, cut off mid-way.
      const chunks = Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 2))
      const streamed = await fetch(`${server.url}/api/chat/${uuid}/attachments/?name=stream.bin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${buyer.token}` },
        body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
        duplex: 'half',
      } as RequestInit)
      expect({ status: streamed.status, body: await streamed.json() }).toEqual({ status: 413, body: tooLarge })
    })

    it('answers an outsider exactly as for a thread that does not exist', async () => {
      const outsider = await server.signIn()
      const theirs = await upload(outsider, Buffer.from('x'), 'a.txt')
      const missing = await upload(outsider, Buffer.from('x'), 'a.txt', '7f2d7b7e-3f7e-4c1a-9d5e-2b7a9c1d0e3f')
      expect({ status: theirs.status, body: theirs.json }).toEqual({ status: 404, body: NOT_FOUND })
      expect({ status: missing.status, body: missing.json }).toEqual({ status: 404, body: NOT_FOUND })
      const signedOut = await server.signIn()
      await signedOut.signOut()
      expect((await upload(signedOut, Buffer.from('x'), 'a.txt')).status).toBe(401)
    })
  })

  describe('messages with attachments', () => {
    it('sends a photo without text: every view shows it, and the inbox says "Photo"', async () => {
      const photo = await uploaded(buyer, await png(), 'item.png')
      const { message, created } = await buyer.sendMessage(uuid, { content: '', attachments: [photo.id], client_id: 'p-1' })
      expect(created).toBe(true)
      expect(message).toEqual(aMessage({ sender: buyer.address, content: '', attachments: [photo] }))

      const [threads, detail, page, fresh] = await Promise.all([
        seller.listThreads(),
        seller.getThread(uuid),
        seller.listMessages(uuid, { after: message.id - 1 }),
        seller.newMessages({ after_id: message.id - 1 }),
      ])
      expect(threads.results.find((t) => t.uuid === uuid)?.last_message).toBe('Photo')
      for (const view of [detail.messages.at(-1), page.results[0], fresh.results[0]]) {
        expect(view).toMatchObject({ id: message.id, attachments: [{ id: photo.id, kind: 'image', name: 'item.png' }] })
      }

      // A retry with the same client_id answers the same message; the upload is not claimed twice.
      const retry = await buyer.sendMessage(uuid, { content: '', attachments: [photo.id], client_id: 'p-1' })
      expect(retry).toEqual({ message: { ...message, is_read: expect.any(Boolean) }, created: false })
    })

    it('says "File" for a message of files, and keeps text when there is some', async () => {
      const pdf = await uploaded(buyer, Buffer.from(PDF), 'terms.pdf')
      await buyer.sendMessage(uuid, { content: '', attachments: [pdf.id] })
      expect((await seller.getThread(uuid)).last_message).toBe('File')
      const photo = await uploaded(buyer, await png(), 'again.png')
      await buyer.sendMessage(uuid, { content: 'Here it is', attachments: [photo.id] })
      expect((await seller.getThread(uuid)).last_message).toBe('Here it is')
    })

    it("refuses someone else's upload, one already sent, and another thread's, and sends nothing", async () => {
      const NOT_YOURS = { attachments: ['Each attachment must be your own upload to this thread, not yet sent.'] }
      const sellers = await uploaded(seller, await png(), 's.png')
      const { thread: other } = await buyer.createThread({ participants: [buyer.address, (await server.signIn()).address] })
      const elsewhere = await uploaded(buyer, await png(), 'o.png', other.uuid)
      const sent = await uploaded(buyer, await png(), 'sent.png')
      await buyer.sendMessage(uuid, { content: '', attachments: [sent.id] })
      const before = (await buyer.getThread(uuid)).messages.length
      for (const id of [sellers.id, elsewhere.id, sent.id, 'no-such-upload']) {
        await expectError(buyer.sendMessage(uuid, { content: 'look', attachments: [id] }), 400, NOT_YOURS)
      }
      expect((await buyer.getThread(uuid)).messages.length).toBe(before)
      // The seller's upload is still free for the seller to send.
      await expect(seller.sendMessage(uuid, { content: '', attachments: [sellers.id] })).resolves.toMatchObject({ created: true })
    })

    it('still refuses an empty message without attachments', async () => {
      await expectError(buyer.sendMessage(uuid, { content: ' ' }), 400, { content: ['This field may not be blank.'] })
    })
  })

  describe('GET /api/attachments/{id}/', () => {
    it('serves a byte range with 206', async () => {
      const pdf = await uploaded(buyer, Buffer.from(PDF), 'range.pdf')
      const part = await download(pdf.url, { range: 'bytes=0-7' })
      expect(part.status).toBe(206)
      expect(part.headers.get('content-range')).toBe(`bytes 0-7/${PDF.length}`)
      expect(await part.text()).toBe(PDF.slice(0, 8))
      const outside = await download(pdf.url, { range: `bytes=${PDF.length + 10}-` })
      expect(outside.status).toBe(416)
    })

    it('answers a guessed id, a forged or a borrowed signature with 404', async () => {
      const photo = await uploaded(buyer, await png(), 'secret.png')
      const other = await uploaded(buyer, await png(), 'other.png')
      const forged = photo.url.replace(/signature=[\w-]+/, 'signature=AAAA')
      const borrowed = photo.url.replace(photo.id, other.id)
      const thumbnailWithOriginalSignature = photo.url.replace(`/${photo.id}/`, `/${photo.id}/thumbnail/`)
      for (const path of [forged, borrowed, thumbnailWithOriginalSignature, `/api/attachments/${photo.id}/`, '/api/attachments/nope/']) {
        const answer = await download(path)
        expect({ path, status: answer.status, body: await answer.json() }).toEqual({ path, status: 404, body: NOT_FOUND })
      }
    })

    it('stops serving a URL once it expires (one to two hours)', async () => {
      const photo = await uploaded(buyer, await png(), 'old.png')
      expect((await download(photo.url)).status).toBe(200)
      clock.advance(2 * 3600_000 + 1000)
      expect((await download(photo.url)).status).toBe(404)
      // A fresh view of the message gives a fresh URL.
      await buyer.sendMessage(uuid, { content: '', attachments: [photo.id] })
      const fresh = (await buyer.getThread(uuid)).messages.at(-1)!.attachments[0]!
      expect((await download(fresh.url)).status).toBe(200)
    })
  })

  describe('storage', () => {
    it('sweeps uploads never sent, but keeps the same bytes another message still uses', async () => {
      const bytes = await png()
      const kept = await uploaded(buyer, bytes, 'kept.png')
      await buyer.sendMessage(uuid, { content: '', attachments: [kept.id] })
      const twin = await uploaded(seller, bytes, 'twin.png')
      const lonely = await uploaded(seller, Buffer.from(`${PDF}\n% lonely`), 'lonely.pdf')
      expect((await download(lonely.url)).status).toBe(200)
      clock.advance(3600_000 + 1000)
      expect(await server.attachments.sweep()).toBeGreaterThanOrEqual(2)
      const refreshed = (await buyer.getThread(uuid)).messages.at(-1)!.attachments[0]!
      expect((await download(refreshed.url)).status).toBe(200)
      expect(Buffer.from(await (await download(refreshed.url)).arrayBuffer()).length).toBe(kept.size)
      await expectError(seller.sendMessage(uuid, { content: '', attachments: [twin.id] }), 400, {
        attachments: ['Each attachment must be your own upload to this thread, not yet sent.'],
      })
      const relisted = lonely.url.replace(/expires=\d+&signature=[\w-]+/, new URL(refreshed.url, server.url).search.slice(1))
      expect((await download(relisted)).status).toBe(404)
    })

    it("collects a purged thread's bytes, and keeps the same bytes another thread still uses", async () => {
      const other = await server.signIn()
      const { thread } = await buyer.createThread({ participants: [buyer.address, other.address] })
      const shared = await png()
      const own = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#a1b2c3' } }).png().toBuffer()
      const [inPurged, onlyInPurged, inKept] = [
        await uploaded(buyer, shared, 'shared.png', thread.uuid),
        await uploaded(buyer, own, 'own.png', thread.uuid),
        await uploaded(buyer, shared, 'shared.png'),
      ]
      await buyer.sendMessage(thread.uuid, { content: '', attachments: [inPurged.id, onlyInPurged.id] })
      await buyer.sendMessage(uuid, { content: '', attachments: [inKept.id] })
      const ownSha = createHash('sha256').update(Buffer.from(await (await download(onlyInPurged.url)).arrayBuffer())).digest('hex')
      await buyer.deleteThread(thread.uuid)
      await other.deleteThread(thread.uuid)

      await withBlobStore(async (blobs) => {
        expect(await blobs.has(ownSha)).toBe(true)
        clock.advance(3600_000 + 1000) // past the grace that spares bytes put within the hour
        expect(await server.attachments.collectGarbage()).toBeGreaterThanOrEqual(2) // the picture and its thumbnail
        expect(await blobs.has(ownSha)).toBe(false)
      })
      const kept = (await buyer.getThread(uuid)).messages.find((m) => m.attachments[0]?.id === inKept.id)!
      expect(Buffer.from(await (await download(kept.attachments[0]!.url)).arrayBuffer())).toHaveLength(inKept.size)
    })

    it('holds uploads to ATTACHMENT_DAILY_BYTES per address with 429 and Retry-After', async () => {
      const heavy = await server.signIn()
      const { thread } = await heavy.createThread({ participants: [heavy.address, seller.address] })
      const noise = () => sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer()
      let answer
      for (let i = 0; i < 40; i++) {
        answer = await upload(heavy, await noise(), `n${i}.png`, thread.uuid)
        if (answer.status !== 201) break
      }
      expect(answer!.status).toBe(429)
      expect(answer!.headers.get('retry-after')).toMatch(/^\d+$/)
    })
  })
})
