import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../../src/core/clock.js'
import { loadConfig } from '../../src/core/config.js'
import type { Engine } from '../../src/core/database/engine.js'
import { VfxChatClient } from '../../src/sdk/client.js'
import { VfxSigner } from '../../src/sdk/signer.js'
import { startServer, type Server } from '../../src/server.js'
import { postgresSchema } from './postgres.js'

export interface TestServer extends Server {
  /** The database this server runs on (a SQLite file or a PostgreSQL schema), for restart tests. */
  readonly databaseUrl: string
  /** A new client signed in as a fresh (or the given) key. */
  signIn(signer?: VfxSigner): Promise<VfxChatClient & { address: string; signer: VfxSigner }>
  /** Stops the server and deletes its database directory. */
  destroy(): Promise<void>
}

export interface TestServerOptions {
  /** The engine of a fresh database (default SQLite); ignored when `env` names DATABASE_URL. */
  engine?: Engine
  /** Folder of the SQLite file, kept after `destroy` (restart tests); default a fresh temporary one. */
  dir?: string
  /** The server's time, for tests of expiry that must not wait. */
  clock?: Clock
}

/**
 * A real server on an ephemeral loopback port and a fresh SQLite file, or a fresh PostgreSQL
 * schema. `env` overrides the defaults, as the environment would (rate limits are off unless
 * a test turns them on).
 */
export async function startTestServer(env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const { dir, engine = 'sqlite' } = options
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'vfx-chat-test-'))
  const schema = env.DATABASE_URL === undefined && engine === 'postgres' ? await postgresSchema() : null
  const databaseUrl = env.DATABASE_URL ?? schema?.url ?? `sqlite:${join(folder, 'chat.db')}`
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_SEND: '0',
    RATE_LIMIT_SIGNIN: '0',
    ...env,
    DATABASE_URL: databaseUrl,
  })
  const server = await startServer(config, { clock: options.clock })
  return {
    ...server,
    close: () => server.close(),
    databaseUrl,
    async signIn(signer = VfxSigner.generate({ network: config.network })) {
      const client = new VfxChatClient(server.url)
      await client.signIn(signer)
      return Object.assign(client, { address: signer.address, signer })
    },
    async destroy() {
      await server.close()
      await schema?.drop()
      if (dir === undefined) rmSync(folder, { recursive: true, force: true })
    },
  }
}
