import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ChildServer {
  readonly child: ChildProcess
  readonly url: string
  /** Everything the process wrote to stdout and stderr so far (its log). */
  output(): string
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The real service as production runs it (`src/main.ts` in its own process), on a loopback
 * ephemeral port. Resolves once it logs the URL it serves.
 */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_SEND: '0', RATE_LIMIT_SIGNIN: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  // 'close', not 'exit': the log is complete only once stdout and stderr have been read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /vfx-chat serving (http:\/\/[\d.:]+)/.exec(output)
      if (match) resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening:\n${output}`)))
  })
  return { child, url, output: () => output, exited }
}

/**
 * For crash tests: each test gets a fresh folder with a SQLite database, and `start()` spawns
 * a server on it (again and again, after each kill); every server is killed and the folder
 * removed after the test.
 *
 * ```ts
 * const data = serversOnFreshFolder('vfx-chat-crash-')
 * let server = await data.start()
 * ```
 */
export function serversOnFreshFolder(prefix: string, env: Record<string, string> = {}) {
  let folder = ''
  let servers: ChildServer[] = []
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), prefix))
    servers = []
  })
  afterEach(() => {
    for (const server of servers) server.child.kill('SIGKILL')
    rmSync(folder, { recursive: true, force: true })
  })
  return {
    /** The test's folder: `chat.db` and, on the filesystem store, `blobs/`. */
    get folder(): string {
      return folder
    },
    async start(): Promise<ChildServer> {
      const server = await spawnServer({ DATABASE_URL: `sqlite:${join(folder, 'chat.db')}`, ...env })
      servers.push(server)
      return server
    },
  }
}
