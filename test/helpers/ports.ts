import { createServer } from 'node:net'

/** A loopback TCP port free right now, for a process that must listen on a known port. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (typeof address !== 'object' || address === null) throw new Error('no free port')
  return address.port
}

/** A loopback listener that hangs up on every connection and counts them: proof a refused request never connected. */
export interface CountingListener {
  readonly port: number
  connections(): number
  close(): Promise<void>
}

export async function countingListener(): Promise<CountingListener> {
  let connections = 0
  const server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
