import { spawnServer, type ChildServer } from './child-server.js'
import { freePort } from './ports.js'

/** One node of a test cluster, as its own process on a fixed loopback port. */
export interface NodeProcess {
  /** http://127.0.0.1:<port>; the same after every restart. */
  readonly url: string
  readonly host: string
  readonly current: ChildServer
  /** Sends `signal` and waits for the process to exit (SIGTERM drains first). */
  stop(signal: NodeJS.Signals): Promise<void>
  /** Starts the node again on its port. */
  start(): Promise<void>
}

/**
 * Nodes of one deployment as separate processes (`src/main.ts`), each with `envOf(index)`,
 * on ports that stay theirs across restarts (a load balancer names them). Killed by `kill()`.
 */
export async function spawnNodes(count: number, envOf: (index: number) => Record<string, string>) {
  const nodes = await Promise.all(
    Array.from({ length: count }, async (_, index): Promise<NodeProcess> => {
      const port = await freePort()
      const env = { ...envOf(index), PORT: String(port) }
      let current = await spawnServer(env)
      return {
        url: `http://127.0.0.1:${port}`,
        host: `127.0.0.1:${port}`,
        get current() {
          return current
        },
        async stop(signal) {
          current.child.kill(signal)
          await current.exited
        },
        async start() {
          current = await spawnServer(env)
        },
      }
    }),
  )
  return {
    nodes,
    kill() {
      for (const node of nodes) node.current.child.kill('SIGKILL')
    },
  }
}
