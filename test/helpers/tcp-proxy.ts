import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Stops carrying bytes either way; the connections stay open, as on a network partition. */
  hold(): void
  /** Drops every connection and carries bytes again for new ones. */
  reset(): void
  close(): Promise<void>
}

/** A loopback TCP proxy to `target`, to cut one process off from a service it uses. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let held = false
  const server = createServer((client) => {
    const upstream = connect(target)
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from)
      from.on('data', (chunk) => {
        if (!held) to.write(chunk)
      })
      from.on('error', () => to.destroy())
      from.on('close', () => {
        sockets.delete(from)
        to.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('proxy did not listen')
  return {
    port: address.port,
    hold: () => void (held = true),
    reset() {
      for (const socket of sockets) socket.destroy()
      held = false
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
