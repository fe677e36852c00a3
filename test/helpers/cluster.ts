import { randomBytes } from 'node:crypto'
import { postgresSchema } from './postgres.js'
import { startTestServer, type TestServer, type TestServerOptions } from './server.js'

export interface TestCluster {
  readonly nodeA: TestServer
  readonly nodeB: TestServer
  /** Stops both nodes and drops their schema. */
  destroy(): Promise<void>
}

/**
 * Two identical nodes on one PostgreSQL schema, sharing events over one Redis channel (and
 * its keys: the shared limits): what a larger deployment runs. Each call gets its own schema
 * and channel; `env` adds settings (limits, another REDIS_URL); `options.clock` is both nodes' time.
 */
export async function startCluster(env: Record<string, string> = {}, options: Pick<TestServerOptions, 'clock'> = {}): Promise<TestCluster> {
  const database = await postgresSchema()
  env = {
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_CHANNEL: `vfx-chat-test:${randomBytes(6).toString('hex')}`,
    ...env,
  }
  const nodeA = await startTestServer(env, options)
  const nodeB = await startTestServer(env, options)
  return {
    nodeA,
    nodeB,
    async destroy() {
      await nodeA.destroy()
      await nodeB.destroy()
      await database.drop()
    },
  }
}
