import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './ports.js'

const DEPLOYED_CONFIG = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url))

export interface Nginx {
  /** http://127.0.0.1:<port>, the proxy clients talk to. */
  readonly url: string
  /** Its error log so far, for a failure's message. */
  log(): string
  stop(): Promise<void>
}

/**
 * Debian's nginx, as a child process on a free loopback port, running deploy/nginx.conf
 * unchanged, in front of `nodes` (host:port each). Everything it writes (pid, logs, temporary
 * files) stays in a folder of its own, removed by `stop()`.
 */
export async function startNginx(nodes: readonly string[]): Promise<Nginx> {
  const folder = mkdtempSync(join(tmpdir(), 'vfx-chat-nginx-'))
  const port = await freePort()
  copyFileSync(DEPLOYED_CONFIG, join(folder, 'nginx.conf'))
  writeFileSync(join(folder, 'vfx-chat-nodes.conf'), nodes.map((node) => `server ${node} max_fails=1 fail_timeout=5s;\n`).join(''))
  writeFileSync(
    join(folder, 'vfx-chat-listen.conf'),
    [
      `listen 127.0.0.1:${port};`,
      `access_log off;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(folder, kind)};`),
    ].join('\n'),
  )
  const errorLog = join(folder, 'error.log')
  const child = spawn(
    'nginx',
    ['-p', folder, '-c', join(folder, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${join(folder, 'nginx.pid')};`],
    { stdio: 'ignore' },
  )
  const log = () => {
    try {
      return readFileSync(errorLog, 'utf8')
    } catch {
      return ''
    }
  }
  const url = `http://127.0.0.1:${port}`
  await waitForPort(url, child, log)
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(folder, { recursive: true, force: true })
    },
  }
}

async function waitForPort(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${log()}`)
    try {
      await fetch(`${url}/healthz`)
      return
    } catch {
      await sleep(50)
    }
  }
  child.kill('SIGKILL')
  throw new Error(`nginx did not listen:\n${log()}`)
}
