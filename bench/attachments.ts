import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import sharp from 'sharp'
import { VfxChatClient, type Attachment } from '../src/sdk/client.js'
import type { ChildServer } from './processes.js'
import type { Target } from './scenarios.js'

const PHOTO_WIDTH = 1600
const PHOTO_HEIGHT = 1200
const PHOTO_BYTES = 1_000_000
const RSS_SAMPLE_MS = 10

/** What 20 clients uploading 10 MiB files at once cost the server's memory. */
export interface StreamingResult {
  uploads: number
  /** Bytes of each upload. */
  bytes: number
  /** Server VmRSS before the uploads (idle, after one upload of the same size) and at its highest during them. */
  idleRss: number
  peakRss: number
  /** RSS samples taken while the uploads ran. */
  samples: number
  /** Milliseconds from the first upload's start to the last one's answer. */
  millis: number
  /** Uploads not answered 201 as a `file` of the size sent: should be 0. */
  failures: number
}

/**
 * A ~1 MB JPEG: 1600×1200 of noise, which no encoder shrinks much, at the quality whose size
 * lands nearest 1 MB. The server decodes and re-encodes it as it would a phone's photo.
 */
export async function makePhoto(): Promise<Buffer> {
  const { data, info } = await sharp({
    create: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } },
  })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const raw = { width: info.width, height: info.height, channels: info.channels }
  const encoded = await Promise.all([70, 75, 80, 85].map((quality) => sharp(data, { raw }).jpeg({ quality }).toBuffer()))
  return encoded.reduce((best, photo) => (Math.abs(photo.length - PHOTO_BYTES) < Math.abs(best.length - PHOTO_BYTES) ? photo : best))
}

/** Random bytes behind a line of text, so no signature check can take them for a picture: stored as a `file`. */
export function opaqueFile(bytes: number): Buffer {
  const file = randomBytes(bytes)
  file.write('vfx-chat bench: opaque bytes\n')
  return file
}

/** One upload over HTTP, as an integrator's client makes it. */
export function upload(url: string, target: Target, file: Buffer, name: string): Promise<Attachment> {
  return new VfxChatClient(url, target.token).uploadAttachment(target.thread, new Uint8Array(file), name)
}

/**
 * Uploads `file` from every target at once (one upload each) while sampling the server's
 * VmRSS: an upload streamed to disk adds a few buffers per upload, one read into memory adds
 * its whole size.
 */
export async function streamingUploads(server: ChildServer, targets: readonly Target[], file: Buffer): Promise<StreamingResult> {
  // One upload first, so the server's first-use allocations are not counted as the crowd's.
  await upload(server.url, targets[0]!, file, 'warm-up.bin')
  await sleep(1000)
  const idleRss = server.rss()
  let peakRss = idleRss
  let samples = 0
  const sample = () => {
    peakRss = Math.max(peakRss, server.rss())
    samples++
  }
  const sampler = setInterval(sample, RSS_SAMPLE_MS)
  const started = performance.now()
  try {
    const answers = await Promise.allSettled(targets.map((target, i) => upload(server.url, target, file, `opaque-${i + 1}.bin`)))
    const millis = performance.now() - started
    sample()
    const failures = answers.filter((a) => a.status === 'rejected' || a.value.kind !== 'file' || a.value.size !== file.length).length
    return { uploads: targets.length, bytes: file.length, idleRss, peakRss, samples, millis, failures }
  } finally {
    clearInterval(sampler)
  }
}
