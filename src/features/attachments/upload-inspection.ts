import { readFile } from 'node:fs/promises'
import { fileTypeFromFile } from 'file-type'
import sharp, { type Sharp } from 'sharp'
import { Invalid } from '../../core/errors.js'

/**
 * Pictures shown inline, by the MIME type their bytes reveal, and the format each is
 * re-encoded to: its own, so a download keeps the type its sender chose.
 */
const PICTURE_FORMATS = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
} as const

type PictureType = keyof typeof PICTURE_FORMATS

/** A picture, re-encoded: nothing of the upload but its pixels reaches anyone. */
export interface InspectedImage {
  readonly kind: 'image'
  readonly content_type: PictureType
  readonly width: number
  readonly height: number
  /** The re-encoded picture, upright, with no EXIF, GPS, XMP, ICC or comment left. */
  readonly original: Buffer
  /** WebP, at most `THUMBNAIL_PIXELS` a side; an animation's first frame. */
  readonly thumbnail: Buffer
}

/** Anything else, kept as it came and only ever offered as a download. */
export interface InspectedFile {
  readonly kind: 'file'
  /** `application/pdf` for a PDF by its bytes; anything else is opaque. */
  readonly content_type: 'application/pdf' | 'application/octet-stream'
  /** The upload's own path: a file is stored as it came. */
  readonly original: string
}

export type InspectedUpload = InspectedImage | InspectedFile

export interface InspectionLimits {
  /** The most pixels a picture may have, all frames of an animation together. */
  readonly maxPixels: number
}

/** 40 megapixels: any phone camera, and a decoded size (160 MB RGBA) a node can afford. */
export const DEFAULT_INSPECTION_LIMITS: InspectionLimits = Object.freeze({ maxPixels: 40_000_000 })

export const THUMBNAIL_PIXELS = 320

/** A picture with more pixels than the limit, such as a small file that decodes to gigabytes. */
export class ImageTooLarge extends Invalid {
  constructor(readonly maxPixels: number) {
    super('file', `The image has more than ${maxPixels} pixels.`)
  }
}

/** Bytes that start as a picture but do not decode: truncated or corrupt. */
export class ImageUnreadable extends Invalid {
  constructor(readonly reason: string) {
    super('file', 'The image is truncated or corrupt.')
  }
}

/**
 * Says what an uploaded file is by its bytes alone (never its name or the client's Content-Type)
 * and makes pictures safe to show: decoded, auto-oriented and re-encoded without metadata,
 * with a thumbnail. An animated GIF or WebP stays animated. Throws `ImageTooLarge` or
 * `ImageUnreadable` for a picture it will not decode.
 *
 * ```ts
 * const upload = await inspectUpload('/tmp/upload-5f2c')
 * if (upload.kind === 'image') await blobs.put(Readable.from([upload.original]), { maxBytes })
 * ```
 */
export async function inspectUpload(
  path: string,
  limits: InspectionLimits = DEFAULT_INSPECTION_LIMITS,
): Promise<InspectedUpload> {
  const detected = (await fileTypeFromFile(path))?.mime
  if (detected && detected in PICTURE_FORMATS) return reencode(await readFile(path), detected as PictureType, limits)
  // SVG, HTML and the like are detected as nothing: they can carry script, so they stay opaque.
  return { kind: 'file', content_type: detected === 'application/pdf' ? detected : 'application/octet-stream', original: path }
}

async function reencode(bytes: Buffer, type: PictureType, { maxPixels }: InspectionLimits): Promise<InspectedImage> {
  // 'truncated' refuses a cut-off picture yet keeps the harmless quirks of real cameras.
  const read = (animated: boolean): Sharp =>
    sharp(bytes, { animated, failOn: 'truncated', limitInputPixels: maxPixels }).rotate()

  // The header alone tells the size, so a decompression bomb is refused before any decoding.
  const header = await decoding(sharp(bytes, { limitInputPixels: false }).metadata())
  if ((header.width ?? 0) * (header.height ?? 0) * (header.pages ?? 1) > maxPixels) throw new ImageTooLarge(maxPixels)

  const [original, thumbnail] = await decoding(
    Promise.all([
      read(true).toFormat(PICTURE_FORMATS[type]).toBuffer({ resolveWithObject: true }),
      read(false)
        .resize(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS, { fit: 'inside', withoutEnlargement: true })
        .webp()
        .toBuffer(),
    ]),
  )
  return {
    kind: 'image',
    content_type: type,
    width: original.info.width,
    // An animation's frames are stacked into one tall image; its height is a frame's.
    height: original.info.pageHeight ?? original.info.height,
    original: original.data,
    thumbnail,
  }
}

/** Any failure to decode is the picture's fault: `ImageUnreadable`, never a crash. */
async function decoding<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw new ImageUnreadable(error instanceof Error ? error.message : String(error))
  }
}
