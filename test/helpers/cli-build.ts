import { execFile } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const PROJECT = fileURLToPath(new URL('../../', import.meta.url))
/** The compiled CLI, as `npm run build` writes it and the package's `bin` names it. */
export const CLI = join(PROJECT, 'build', 'cli', 'main.js')

function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((name) => name !== 'web').map((name) => newest(join(path, name))))
}

/** Compiles build/ when it is missing or older than src/ (`npm ci` builds it too), so tests run the current binary. */
export async function ensureCliBuilt(): Promise<void> {
  const built = statSync(CLI, { throwIfNoEntry: false })?.mtimeMs ?? 0
  if (built > newest(join(PROJECT, 'src'))) return
  await promisify(execFile)(process.execPath, [join(PROJECT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PROJECT, 'tsconfig.build.json')], { cwd: PROJECT })
}
