import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server as HttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VfxSigner } from '../../src/sdk/signer.js'
import { CLI, ensureCliBuilt } from '../helpers/cli-build.js'
import { raw } from '../helpers/contract.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

let dir: string
let server: TestServer

/** Runs the compiled `vfx-chat` binary with its own config folder, against the test server. */
function vfxChat(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, HOME: dir, VFX_CHAT_CONFIG_DIR: join(dir, 'config'), VFX_CHAT_URL: server.url, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const jsonOf = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfx-chat-cli-'))
  await ensureCliBuilt()
  server = await startTestServer({}, { dir: join(dir, 'server') })
}, 120_000)

afterAll(async () => {
  await server?.destroy()
  rmSync(dir, { recursive: true, force: true })
})

describe('vfx-chat --help', () => {
  it('lists every command, and each command has help with an example', async () => {
    const help = await vfxChat(['--help'])
    const commands = ['serve', 'migrate', 'backup', 'restore', 'doctor', 'keygen', 'login', 'logout', 'whoami', 'threads', 'open', 'send', 'tail', 'export', 'import-shops']
    for (const command of commands) expect(help.stdout).toMatch(new RegExp(`\\n  ${command}\\b`))
    for (const command of commands) {
      const own = await vfxChat([command, '--help'])
      expect(own.stdout, command).toContain(`Example:\n  $ vfx-chat ${command}`)
    }
  })
})

describe('a person at a terminal', () => {
  it('makes a key, signs in, opens a thread, sends, lists, exports and signs out', async () => {
    const keyFile = join(dir, 'me.key')
    const made = await vfxChat(['--json', 'keygen', '--out', keyFile])
    expect(made.code, made.stderr).toBe(0)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const me = VfxSigner.fromPrivateKey(readFileSync(keyFile, 'utf8').trim())
    expect(jsonOf(made).address).toBe(me.address)
    // Never over a key that exists.
    expect(await vfxChat(['keygen', '--out', keyFile])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^vfx-chat: cannot write .*\n$/) })

    expect((await vfxChat(['login', '--key', keyFile])).stdout).toContain(`signed in to ${server.url} as ${me.address}`)
    expect(statSync(join(dir, 'config', 'session.json')).mode & 0o777).toBe(0o600)
    expect((await vfxChat(['whoami'])).stdout).toBe(`${me.address} on ${server.url}\n`)

    const shop = await server.signIn()
    const opened = jsonOf(await vfxChat(['--json', 'open', shop.address])) as { uuid: string }
    const sent = await vfxChat(['--json', 'send', opened.uuid, 'is', 'it', 'still', 'for', 'sale?'])
    expect(jsonOf(sent)).toMatchObject({ sender: me.address, content: 'is it still for sale?', thread_uuid: opened.uuid })
    expect((await shop.getThread(opened.uuid)).messages.map((m) => m.content)).toEqual(['is it still for sale?'])
    await shop.sendMessage(opened.uuid, { content: 'yes' })

    const listed = await vfxChat(['threads'])
    expect(listed.stdout).toContain(`${opened.uuid}  ${shop.address} (1 unread)`)
    const shown = await vfxChat(['open', opened.uuid])
    expect(shown.stdout).toMatch(/me: is it still for sale\?\n.* \S+: yes\n$/)

    const exportFile = join(dir, 'export.jsonl')
    expect((await vfxChat(['export', '--out', exportFile])).code).toBe(0)
    const records = readFileSync(exportFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; content?: string })
    expect(records.map((record) => record.type)).toEqual(['account', 'thread', 'message', 'message'])
    expect(records.filter((r) => r.type === 'message').map((r) => r.content)).toEqual(['is it still for sale?', 'yes'])

    const token = (JSON.parse(readFileSync(join(dir, 'config', 'session.json'), 'utf8')) as { token: string }).token
    expect((await vfxChat(['logout'])).stdout).toBe(`signed out ${me.address}\n`)
    expect((await raw(server, 'GET', '/api/chat/', { token })).status).toBe(401)
    expect(await vfxChat(['whoami'])).toMatchObject({ code: 1, stderr: 'vfx-chat: not signed in: run vfx-chat login --key <file> (or --wallet)\n' })
  })

  it('signs in through a VFX wallet that signs at its local API, the key never leaving it', async () => {
    const wallet = VfxSigner.generate()
    const asked: string[] = []
    const walletApi: HttpServer = createServer((request, response) => {
      asked.push(request.url!)
      const match = /^\/api\/V1\/CreateSignature\/([^/]+)\/([^/]+)$/.exec(request.url!)
      if (!match || decodeURIComponent(match[2]!) !== wallet.address) return void response.writeHead(404).end()
      response.writeHead(200, { 'content-type': 'text/plain' }).end(wallet.sign(decodeURIComponent(match[1]!)))
    })
    await new Promise<void>((resolve) => walletApi.listen(0, '127.0.0.1', resolve))
    try {
      const port = (walletApi.address() as { port: number }).port
      const login = await vfxChat(['login', '--wallet', `http://127.0.0.1:${port}`, '--address', wallet.address])
      expect(login.stdout, login.stderr).toContain(`as ${wallet.address}`)
      // The challenge is one path segment: one line, no "/".
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatch(new RegExp(`^/api/V1/CreateSignature/Sign%20in%20to%20VFX%20Chat[^/]*/${wallet.address}$`))
      expect((await vfxChat(['whoami'])).stdout).toContain(wallet.address)
    } finally {
      walletApi.close()
    }
  })

  it('tails new messages live as JSON lines, and stops cleanly on SIGINT', async () => {
    const keyFile = join(dir, 'tail.key')
    await vfxChat(['keygen', '--out', keyFile])
    await vfxChat(['login', '--key', keyFile])
    const me = VfxSigner.fromPrivateKey(readFileSync(keyFile, 'utf8').trim()).address
    const friend = await server.signIn()
    const { thread } = await friend.createThread({ participants: [friend.address, me] })
    const tail = spawn(process.execPath, [CLI, '--json', 'tail'], {
      env: { PATH: process.env.PATH, HOME: dir, VFX_CHAT_CONFIG_DIR: join(dir, 'config'), VFX_CHAT_URL: server.url },
    })
    let output = ''
    tail.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => tail.on('exit', resolve))
    // Sent until the stream is up and shows one: the tail started listening at some point in between.
    await expect
      .poll(
        async () => {
          if (!output) await friend.sendMessage(thread.uuid, { content: 'are you there?' })
          return output
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain('are you there?')
    const first = JSON.parse(output.split('\n')[0]!) as { sender: string; thread_uuid: string }
    expect(first).toMatchObject({ sender: friend.address, thread_uuid: thread.uuid })
    tail.kill('SIGINT')
    expect(await exited).toBe(0)
  })

  it('says what went wrong in one line with a non-zero exit code', async () => {
    expect(await vfxChat(['send', 'not-a-uuid', 'hi'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^vfx-chat: "not-a-uuid" is not a thread uuid.*\n$/) })
    const away = await vfxChat(['--server', 'http://127.0.0.1:9', 'login', '--key', join(dir, 'tail.key')])
    expect(away).toMatchObject({ code: 1, stderr: expect.stringMatching(/^vfx-chat: cannot reach the server .*\n$/) })
    expect(await vfxChat(['open', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^vfx-chat: "nobody" is neither/) })
  })
})

describe('an operator', () => {
  it('serves the API with serve, and drains on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--database', `sqlite:${join(dir, 'served', 'chat.db')}`], {
      env: { PATH: process.env.PATH, HOME: dir },
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    let log = ''
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
    await expect.poll(() => /serving (http:\/\/[\d.:]+)/.exec(log)?.[1], { timeout: 20_000 }).toBeTruthy()
    const url = /serving (http:\/\/[\d.:]+)/.exec(log)![1]!
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('migrates, checks with doctor, backs up a live database and restores it elsewhere', async () => {
    const database = `sqlite:${join(dir, 'ops', 'chat.db')}`
    expect((await vfxChat(['migrate'], { DATABASE_URL: database })).stdout).toMatch(/is at the latest schema \(\d+ migrations\)/)
    const doctor = await vfxChat(['doctor'], { DATABASE_URL: database })
    expect(doctor.stdout, doctor.stdout).toMatch(/✓ configuration.*\n✓ database: .*schema up to date\n✓ disk: .*\n✓ web client: built/)
    expect(doctor.code).toBe(0)
    const broken = await vfxChat(['--json', 'doctor'], { DATABASE_URL: database, PORT: 'eighty' })
    expect(broken.code).toBe(1)
    expect(jsonOf(broken)).toMatchObject({ healthy: false, checks: [{ name: 'configuration', ok: false, detail: expect.stringContaining('PORT') }, { name: 'web client' }] })

    // A live server writes to the file while it is copied.
    const live = await startTestServer({ DATABASE_URL: database })
    try {
      const [alice, bob] = await Promise.all([live.signIn(), live.signIn()])
      const { thread } = await alice.createThread({ participants: [alice.address, bob.address], initial_message: 'kept' })
      const copy = join(dir, 'ops', 'backup.db')
      expect((await vfxChat(['backup', copy], { DATABASE_URL: database })).code).toBe(0)
      expect(await vfxChat(['backup', copy], { DATABASE_URL: database })).toMatchObject({ code: 1, stderr: expect.stringContaining('exists') })

      const restored = `sqlite:${join(dir, 'ops', 'restored.db')}`
      writeFileSync(join(dir, 'ops', 'not-a-database.db'), 'hello')
      expect((await vfxChat(['restore', join(dir, 'ops', 'not-a-database.db')], { DATABASE_URL: restored })).code).toBe(1)
      expect((await vfxChat(['restore', copy], { DATABASE_URL: restored })).code).toBe(0)
      const again = await startTestServer({ DATABASE_URL: restored })
      try {
        const back = await again.signIn(alice.signer)
        expect((await back.getThread(thread.uuid)).messages.map((m) => m.content)).toEqual(['kept'])
      } finally {
        await again.destroy()
      }
    } finally {
      await live.destroy()
    }
    expect(await vfxChat(['backup', join(dir, 'pg.db')], { DATABASE_URL: 'postgres://root@127.0.0.1:5432/test' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('pg_dump'),
    })
  })

  it("imports a node's DecShop list idempotently on UniqueId, reporting created, updated and skipped", async () => {
    const database = `sqlite:${join(dir, 'shops', 'chat.db')}`
    const [owner, other] = [VfxSigner.generate(), VfxSigner.generate()]
    const list = (name: string) => [
      { UniqueId: 'shop-1', Name: name, DecShopURL: 'vfx://galleria', OwnerAddress: owner.address, Description: 'NFT art', IsOffline: false },
      { UniqueId: 'shop-2', Name: 'Closed', DecShopURL: 'vfx://closed', OwnerAddress: other.address, Description: '', IsOffline: true },
      { UniqueId: 'shop-3', Name: 'Nobody', DecShopURL: 'vfx://nobody', OwnerAddress: 'Rnot-an-address', Description: '', IsOffline: false },
    ]
    const file = join(dir, 'decshops.json')
    writeFileSync(file, JSON.stringify(list('Galleria')))
    const first = jsonOf(await vfxChat(['--json', 'import-shops', file], { DATABASE_URL: database }))
    expect(first).toEqual({ created: 1, updated: 0, skipped: 2, problems: ['shop-3: OwnerAddress is not a valid mainnet address'] })
    expect(jsonOf(await vfxChat(['--json', 'import-shops', file], { DATABASE_URL: database }))).toMatchObject({ created: 0, updated: 0, skipped: 3 })
    writeFileSync(file, JSON.stringify(list('Galleria Nova')))
    expect((await vfxChat(['import-shops', file], { DATABASE_URL: database })).stdout).toMatch(/^created 0, updated 1, skipped 2\n/)

    const shops = await startTestServer({ DATABASE_URL: database })
    try {
      const page = (await raw(shops, 'GET', '/api/shop/')).json as { results: { name: string; url: string; owner_address: string }[] }
      expect(page.results).toEqual([expect.objectContaining({ name: 'Galleria Nova', url: 'vfx://galleria', owner_address: owner.address })])
    } finally {
      await shops.destroy()
    }
    writeFileSync(file, '{ not json')
    expect(await vfxChat(['import-shops', file], { DATABASE_URL: database })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^vfx-chat: cannot read .* as JSON/) })
  })
})
