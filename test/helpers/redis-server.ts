import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort } from './ports.js'

export interface PrivateRedis {
  readonly url: string
  /** Kills the server (SIGKILL: what it held is gone) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>
  /** Kills the server; `start()` brings it back, empty, on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
}

/**
 * A `redis-server` of the test's own on a free loopback port, without persistence, so a test
 * can restart it under load without touching the machine's shared Redis.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child = await launch(port)
  return {
    url,
    async restart(downMs = 0) {
      await kill(child)
      await sleep(downMs)
      child = await launch(port)
    },
    stop: () => kill(child),
    async start() {
      child = await launch(port)
    },
  }
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      return child
    } catch {
      await sleep(50)
    }
  }
  child.kill('SIGKILL')
  throw new Error(`redis-server did not start on port ${port}`)
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}
