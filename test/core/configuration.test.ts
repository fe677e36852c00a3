import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/core/config.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('loadConfig', () => {
  it('reads the defaults of docs/api.md §7 from an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/vfx-chat.db',
      redisUrl: null,
      network: 'mainnet',
      tokenTtl: 86_400,
      maxMessageLength: 4000,
      trustProxy: false,
      corsOrigins: [],
      logLevel: 'info',
      rateLimitSend: 10,
      rateLimitSendBurst: 30,
      rateLimitSignin: 30,
    })
  })

  it('throws ConfigError naming the variable for a bad value', () => {
    for (const [name, value] of [
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['VFX_NETWORK', 'foo'],
      ['TOKEN_TTL', '10'],
      ['MAX_MESSAGE_LENGTH', '0'],
      ['TRUST_PROXY', 'maybe'],
      ['LOG_LEVEL', 'loud'],
      ['RATE_LIMIT_SEND', '-1'],
      ['DATABASE_URL', 'mysql://x'],
      ['REDIS_URL', 'http://x'],
      ['CORS_ORIGINS', 'not an origin'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError)
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name)
    }
  })
})

describe('npm start with a bad value', () => {
  it('exits non-zero with a message naming the variable', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts'],
        { cwd: ROOT, env: { PATH: process.env.PATH, VFX_NETWORK: 'foo', PORT: '0' }, timeout: 20_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
      )
    })
    expect(code).toBe(1)
    expect(stderr).toContain('vfx-chat: configuration error: VFX_NETWORK must be one of mainnet, testnet, got "foo"')
  })
})
