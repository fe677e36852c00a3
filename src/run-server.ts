import { ConfigError, loadConfig, type Config } from './core/config.js'
import { startServer, type Server } from './server.js'

/** The configuration from `env`, or null after saying on stderr which variable is wrong. */
export function configOrExplain(env: NodeJS.ProcessEnv): Config | null {
  try {
    return loadConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`vfx-chat: configuration error: ${error.message}`)
    return null
  }
}

/**
 * Serves until SIGTERM or SIGINT, then drains: requests in flight finish, and the process
 * exits once everything is closed, or after 10 s. What `npm start` and `vfx-chat serve` run.
 */
export async function runServer(config: Config): Promise<Server> {
  const server = await startServer(config)
  server.app.log.info(`vfx-chat serving ${server.url} (database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`)
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return
      stopping = true
      server.app.log.info(`${signal}: draining`)
      setTimeout(() => process.exit(1), 10_000).unref()
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
  return server
}
