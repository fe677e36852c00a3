import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'

/** Pictures made at test time, so no binary fixture is committed. */

const solid = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })

/** A 300×200 camera photo with its maker, GPS position and "turn 90° clockwise" in EXIF. */
export function photoWithGps(): Promise<Buffer> {
  return solid(300, 200, '#c33')
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'Spycam', Model: 'Tracker 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2404/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 792/100' },
    })
    .toBuffer()
}

export const png = () => sharp({ create: { width: 64, height: 48, channels: 4, background: '#3c38' } }).png().toBuffer()
export const webp = () => solid(500, 400, '#33c').webp().toBuffer()
export const avif = () => solid(40, 30, '#3c3').avif().toBuffer()

/** Three 40×30 frames, looping. */
export async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(['#f00', '#0f0', '#00f'].map((colour) => solid(40, 30, colour).raw().toBuffer()))
  return sharp(Buffer.concat(frames), { raw: { width: 40, height: 90, channels: 3, pageHeight: 30 } })
    .gif({ loop: 0, delay: [100, 100, 100] })
    .toBuffer()
}

/**
 * A real, valid PNG of side×side black pixels that weighs a few kilobytes: one bit a pixel,
 * deflated. Written by hand because having sharp encode it would take far longer.
 */
export function pngBomb(side: number): Buffer {
  const rowBytes = 1 + Math.ceil(side / 8) // a filter byte, then the bits
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header[8] = 1 // bit depth
  header[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(rowBytes * side), { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const checksum = Buffer.alloc(4)
  checksum.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, checksum])
}

export const PDF = `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
`

export const SVG_WITH_SCRIPT = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
<script>fetch('/api/auth/token/', { method: 'DELETE' })</script><rect width="10" height="10"/></svg>`

export const HTML = `<!doctype html><html><body><script>alert(document.cookie)</script></body></html>`
