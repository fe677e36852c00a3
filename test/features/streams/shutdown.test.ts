import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { VfxChatClient } from '../../../src/sdk/client.js'
import { VfxSigner } from '../../../src/sdk/signer.js'
import { openSse, openWs } from './clients.js'

const folder = mkdtempSync(join(tmpdir(), 'vfx-chat-shutdown-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** `npm start` as a child process, with its log captured. */
async function startProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${join(folder, 'chat.db')}`,
      RATE_LIMIT_SIGNIN: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (chunk) => (log += chunk))
  child.stderr.on('data', (chunk) => (log += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line in: ${log}`)), 20_000)
    child.stdout.on('data', () => {
      const match = /vfx-chat serving (http:\/\/[^ "]+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
  })
  return { child, url, exited, log: () => log }
}

describe('the server process', () => {
  it('keeps ?token= out of its log, and on SIGTERM ends every stream and exits within 10 s', async () => {
    const server = await startProcess()
    const client = new VfxChatClient(server.url)
    const { token } = await client.signIn(VfxSigner.generate())
    const sse = await openSse(server.url, { query: { token } })
    expect(sse.response.statusCode).toBe(200)
    const ws = await openWs(server.url, { token })

    server.child.kill('SIGTERM')
    expect(await ws.closed).toBe(1001)
    await sse.ended
    expect(sse.text()).toMatch(/: server shutting down\nretry: \d+\n\n$/)
    // 0, not the 1 of the 10 s forced exit: everything drained.
    expect(await server.exited).toBe(0)

    expect(server.log()).toContain('/api/chat/stream/?token=[redacted]')
    expect(server.log()).not.toContain(token)
  }, 40_000)
})
