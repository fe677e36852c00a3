import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../test/helpers/ports.js'

export const ROOT = join(import.meta.dirname, '..')

/** The node flags `npm start` runs the service of the checkout at `root` with. */
export function startFlags(root: string): string[] {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
    .split(' ')
    .filter((word) => word.startsWith('--'))
}

/** This checkout's `npm start` flags, as BENCHMARKS.md shows them. */
export const START_FLAGS: readonly string[] = startFlags(ROOT)

/**
 * The service's settings under load: the production log level (a line for each refused, failed
 * or slow request, written to a file) and no rate limits, so every request is served.
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  RATE_LIMIT_SEND: '0',
  RATE_LIMIT_SIGNIN: '0',
  ATTACHMENT_DAILY_BYTES: '0',
}

/** A server the bench started in its own process, so load and service never share a core's event loop. */
export interface ChildServer {
  readonly url: string
  readonly pid: number
  /** Resident memory of the server process, in bytes (VmRSS). */
  rss(): number
  /** CPU time the server process has used so far, in microseconds (user + system). */
  cpuMicros(): number
  stop(): Promise<void>
}

export interface ChildOptions {
  /** The TypeScript entry point, relative to `root`. */
  entry: string
  /** The checkout it runs from, with its own `npm start` flags: this one by default. */
  root?: string
  env: Record<string, string>
  /** Where the child's stdout and stderr (its log) go. */
  logFile: string
  /** Node flags besides `npm start`'s, e.g. --cpu-prof. */
  nodeFlags?: string[]
}

/** Starts `entry` of `root` with tsx on a free loopback port and waits until /healthz answers. */
export async function startChild(options: ChildOptions): Promise<ChildServer> {
  const port = await freePort()
  const log = openSync(options.logFile, 'a')
  const root = options.root ?? ROOT
  const child = spawn(process.execPath, [...startFlags(root), ...(options.nodeFlags ?? []), '--import', 'tsx', options.entry], {
    cwd: root,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  await waitUntilUp(url, child, options.logFile)
  return {
    url,
    pid: child.pid!,
    rss: () => vmRss(child.pid!),
    cpuMicros: () => cpuMicros(child.pid!),
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const code = await Promise.race([exited, sleep(15_000, 'timeout' as const, { ref: false })])
      if (code === 'timeout') child.kill('SIGKILL')
    },
  }
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${tail(logFile)}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`server did not answer /healthz within 30 s:\n${tail(logFile)}`)
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n')
}

function vmRss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

// /proc/<pid>/stat counts in clock ticks of 10 ms (USER_HZ is 100 on Linux).
const MICROS_PER_TICK = 10_000

function cpuMicros(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK
}
