import { configOrExplain, runServer } from './run-server.js'

const config = configOrExplain(process.env)
if (!config) process.exit(1)
await runServer(config)
