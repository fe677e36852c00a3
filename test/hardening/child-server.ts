import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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
