import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server as HttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const run = promisify(execFile)
const PACKAGE = fileURLToPath(new URL('../../packages/sdk/', import.meta.url))
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url))
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let dir: string
let project: string
let server: TestServer
let page: HttpServer
let pageOrigin: string

/** What an integrator does: `npm pack` the SDK, and install the tarball in an empty project. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfx-chat-sdk-'))
  await run(NPM, ['pack', '--pack-destination', dir], { cwd: PACKAGE })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!
  project = join(dir, 'consumer')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  // The SDK's dependencies come from the service's own installation, so no registry is asked
  // (tests talk to loopback only); the SDK itself is unpacked from its tarball.
  const installed = ['@noble/curves', '@noble/hashes', '@scure/base', '@sinclair/typebox'].map((name) => join(NODE_MODULES, name))
  await run(NPM, ['install', join(dir, tarball), ...installed, '--offline', '--no-audit', '--no-fund'], { cwd: project })

  page = createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      return
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>consumer</title><script type="module" src="/app.js"></script>')
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  pageOrigin = `http://127.0.0.1:${(page.address() as { port: number }).port}`
  server = await startTestServer({ CORS_ORIGINS: pageOrigin })
}, 180_000)

afterAll(async () => {
  await server?.destroy()
  page?.close()
  rmSync(dir, { recursive: true, force: true })
})

let bundle = ''

/** A conversation through the installed package: sign in, open a thread, follow it live, send. */
const CONVERSATION = `
const url = globalThis.SERVER_URL
const buyer = new VfxChatClient(url)
const seller = new VfxChatClient(url)
await buyer.signIn(VfxSigner.generate())
await seller.signIn(VfxSigner.generate())
const { thread } = await buyer.createThread({ participants: [buyer.address, seller.address] })
const heard = new Promise((resolve) => {
  const subscription = subscribe(url, seller.token, {
    message(message) { subscription.close(); resolve(message.content) },
    status(status) { if (status === 'live') buyer.sendMessage(thread.uuid, { content: 'hello from the package' }) },
  })
})
const result = { valid: isValidAddress(buyer.address, 'mainnet'), heard: await heard }
`

describe('@vfx-chat/sdk from its tarball', () => {
  it('works in Node as an ES module and as CommonJS', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { VfxChatClient, VfxSigner, subscribe, isValidAddress } from '@vfx-chat/sdk'\n${CONVERSATION}\nconsole.log(JSON.stringify(result))`,
    )
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { VfxChatClient, VfxSigner } = require('@vfx-chat/sdk');
(async () => {
  const client = new VfxChatClient(process.env.SERVER_URL)
  await client.signIn(VfxSigner.generate())
  console.log(JSON.stringify(await client.listThreads()))
})()`,
    )
    const env = { ...process.env, SERVER_URL: server.url }
    const esm = await run(process.execPath, ['--input-type=module', '-e', `globalThis.SERVER_URL = process.env.SERVER_URL; await import('./esm.mjs')`], { cwd: project, env })
    expect(JSON.parse(esm.stdout)).toEqual({ valid: true, heard: 'hello from the package' })
    const cjs = await run(process.execPath, ['cjs.cjs'], { cwd: project, env })
    expect(JSON.parse(cjs.stdout)).toEqual({ count: 0, next: null, previous: null, results: [] })
  })

  it('types a client program strictly, and rejects a wrong call', () => {
    const check = (source: string) => {
      const file = join(project, 'typed.ts')
      writeFileSync(file, source)
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
      })
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    }
    const program = `import { VfxChatClient, type Message, type Thread } from '@vfx-chat/sdk'
export async function latest(client: VfxChatClient, uuid: string): Promise<Message | undefined> {
  const thread: Thread = await client.getThread(uuid)
  const sent = await client.sendMessage(thread.uuid, { content: 'hi', client_id: 'c-1' })
  return sent.message.attachments.length >= 0 ? sent.message : undefined
}\n`
    expect(check(program)).toEqual([])
    expect(check(program.replace("content: 'hi'", 'content: 42')).join('\n')).toMatch(/number.*not assignable to.*string/)
  })

  it('runs in a browser page bundled from the installed package', async () => {
    const built = await build({
      stdin: { contents: `import { VfxChatClient, VfxSigner, subscribe, isValidAddress } from '@vfx-chat/sdk'\n${CONVERSATION}\nwindow.result = result`, resolveDir: project, loader: 'js' },
      bundle: true,
      // The browser's resolution: a Node built-in in the package would fail the build.
      platform: 'browser',
      format: 'esm',
      write: false,
      define: { 'globalThis.SERVER_URL': JSON.stringify(server.url) },
    })
    bundle = built.outputFiles[0]!.text
    const browser: Browser = await launchBrowser()
    try {
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (error) => errors.push(String(error)))
      await tab.goto(pageOrigin)
      const result = await tab.waitForFunction(() => (window as unknown as { result?: unknown }).result, undefined, { timeout: 20_000 })
      expect(await result.jsonValue()).toEqual({ valid: true, heard: 'hello from the package' })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
