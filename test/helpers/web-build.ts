import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { WEB_ROOT } from '../../src/core/http/web-client.js'

const PROJECT = fileURLToPath(new URL('../../', import.meta.url))
const SOURCES = ['src/web', 'src/sdk', 'src/core/vfx', 'vite.config.ts'].map((path) => join(PROJECT, path))
const LOCK = join(PROJECT, 'dist', '.web-build.lock')
/** A lock older than this was left by a run that died mid-build. */
const STALE_LOCK_MS = 120_000

function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

function upToDate(): boolean {
  try {
    return statSync(join(WEB_ROOT, 'index.html')).mtimeMs > Math.max(...SOURCES.map(newest))
  } catch {
    return false
  }
}

/**
 * Builds dist/web when it is missing or older than its sources (`npm ci` builds it too), so
 * the tests always drive the current client. Test files run in parallel; a lock directory
 * (mkdir is atomic) lets one of them build while the others wait.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (upToDate()) return
  mkdirSync(join(PROJECT, 'dist'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      const since = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (since > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    if (!upToDate()) await build({ configFile: join(PROJECT, 'vite.config.ts'), logLevel: 'warn' })
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}
