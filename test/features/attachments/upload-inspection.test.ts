import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ImageTooLarge,
  ImageUnreadable,
  inspectUpload,
  type InspectedImage,
} from '../../../src/features/attachments/upload-inspection.js'
import { HTML, PDF, SVG_WITH_SCRIPT, animatedGif, avif, photoWithGps, png, pngBomb, webp } from './pictures.js'

let directory: string
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'vfx-chat-uploads-'))
})
afterAll(() => rm(directory, { recursive: true, force: true }))

/** Writes the bytes as an upload of that name (a name the inspection must not believe). */
async function upload(name: string, bytes: Buffer | string): Promise<string> {
  const path = join(directory, name)
  await writeFile(path, bytes)
  return path
}

async function inspectImage(name: string, bytes: Buffer): Promise<InspectedImage> {
  const inspected = await inspectUpload(await upload(name, bytes))
  if (inspected.kind !== 'image') throw new Error(`${name} was taken for a file.`)
  return inspected
}

/** A thumbnail is a WebP of at most 320 px a side, with no metadata either. */
async function expectThumbnail(image: InspectedImage, width: number, height: number) {
  const thumbnail = await sharp(image.thumbnail).metadata()
  expect(thumbnail).toMatchObject({ format: 'webp', width, height })
  expect(thumbnail.exif).toBeUndefined()
}

describe('a picture is re-encoded', () => {
  it('a JPEG loses its EXIF, GPS and all, after being turned upright', async () => {
    const photo = await photoWithGps()
    expect(await sharp(photo).metadata()).toMatchObject({ orientation: 6, width: 300, height: 200 })
    expect(photo.includes('Spycam')).toBe(true)

    const image = await inspectImage('holiday.jpg', photo)

    expect(image).toMatchObject({ kind: 'image', content_type: 'image/jpeg', width: 200, height: 300 })
    const stored = await sharp(image.original).metadata()
    expect(stored).toMatchObject({ format: 'jpeg', width: 200, height: 300 })
    expect([stored.exif, stored.icc, stored.xmp, stored.iptc, stored.orientation]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    expect(image.original.includes('Spycam')).toBe(false)
    await expectThumbnail(image, 200, 300)
  })

  it('a PNG stays a PNG, transparency kept', async () => {
    const image = await inspectImage('logo.png', await png())

    expect(image).toMatchObject({ kind: 'image', content_type: 'image/png', width: 64, height: 48 })
    expect(await sharp(image.original).metadata()).toMatchObject({ format: 'png', hasAlpha: true })
    await expectThumbnail(image, 64, 48)
  })

  it('a WebP stays a WebP; its thumbnail is at most 320 px a side', async () => {
    const image = await inspectImage('banner.webp', await webp())

    expect(image).toMatchObject({ kind: 'image', content_type: 'image/webp', width: 500, height: 400 })
    await expectThumbnail(image, 320, 256)
  })

  it('an AVIF stays an AVIF', async () => {
    const image = await inspectImage('sprite.avif', await avif())

    expect(image).toMatchObject({ kind: 'image', content_type: 'image/avif', width: 40, height: 30 })
    expect((await sharp(image.original).metadata()).format).toBe('heif')
  })

  it('an animated GIF stays animated; its thumbnail is the first frame', async () => {
    const image = await inspectImage('dance.gif', await animatedGif())

    expect(image).toMatchObject({ kind: 'image', content_type: 'image/gif', width: 40, height: 30 })
    expect(await sharp(image.original).metadata()).toMatchObject({ format: 'gif', pages: 3, loop: 0 })
    expect((await sharp(image.thumbnail).metadata()).pages).toBeUndefined()
    await expectThumbnail(image, 40, 30)
  })
})

describe('a picture that will not decode is refused', () => {
  it('a 20000×20000 PNG bomb of a few kilobytes: ImageTooLarge, before decoding', async () => {
    const bomb = pngBomb(20_000)
    expect(bomb.length).toBeLessThan(100_000)

    const started = Date.now()
    await expect(inspectUpload(await upload('bomb.png', bomb))).rejects.toBeInstanceOf(ImageTooLarge)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('a picture just over the limit: ImageTooLarge; just under: decoded', async () => {
    const path = await upload('square.png', pngBomb(100))

    await expect(inspectUpload(path, { maxPixels: 9_999 })).rejects.toBeInstanceOf(ImageTooLarge)
    expect(await inspectUpload(path, { maxPixels: 10_000 })).toMatchObject({ kind: 'image', width: 100, height: 100 })
  })

  it('an animation counts the pixels of all its frames', async () => {
    const path = await upload('dance.gif', await animatedGif())

    await expect(inspectUpload(path, { maxPixels: 40 * 30 * 3 - 1 })).rejects.toBeInstanceOf(ImageTooLarge)
  })

  it('a truncated JPEG: ImageUnreadable', async () => {
    const photo = await photoWithGps()

    const inspection = inspectUpload(await upload('cut.jpg', photo.subarray(0, Math.floor(photo.length * 0.6))))

    await expect(inspection).rejects.toBeInstanceOf(ImageUnreadable)
    await expect(inspection).rejects.toMatchObject({ field: 'file', message: 'The image is truncated or corrupt.' })
  })

  it('a PNG signature on garbage: ImageUnreadable', async () => {
    const garbage = Buffer.concat([(await png()).subarray(0, 16), Buffer.alloc(200, 0x41)])

    await expect(inspectUpload(await upload('fake.png', garbage))).rejects.toBeInstanceOf(ImageUnreadable)
  })
})

describe('anything else is a file, by its bytes', () => {
  const files: [name: string, bytes: () => Buffer | string, contentType: string][] = [
    ['invoice.pdf', () => PDF, 'application/pdf'],
    ['invoice.png', () => PDF, 'application/pdf'],
    ['drawing.svg', () => SVG_WITH_SCRIPT, 'application/octet-stream'],
    ['cat.jpg', () => HTML, 'application/octet-stream'],
    ['empty.png', () => Buffer.alloc(0), 'application/octet-stream'],
    ['notes.txt', () => 'Plain words.', 'application/octet-stream'],
  ]
  for (const [name, bytes, contentType] of files) {
    it(`${name} is a file of ${contentType}, kept as it came`, async () => {
      const path = await upload(name, bytes())

      expect(await inspectUpload(path)).toEqual({ kind: 'file', content_type: contentType, original: path })
    })
  }
})
