import { ConfigError, loadConfig } from './core/config.js'
import { startServer } from './server.js'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`vfx-chat: configuration error: ${error.message}`)
  process.exit(1)
}

const server = await startServer(config)
server.app.log.info(`vfx-chat serving ${server.url} (database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return
    stopping = true
    server.app.log.info(`${signal}: draining`)
    // Requests in flight finish; the process exits once everything is closed, or after 10 s.
    setTimeout(() => process.exit(1), 10_000).unref()
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
