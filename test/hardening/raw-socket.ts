import { connect, type Socket } from 'node:net'

export interface RawSocket {
  readonly socket: Socket
  /** Everything the server sent so far, as latin1 text. */
  received(): string
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>
}

/** A bare TCP connection to the server at `baseUrl`, for bytes no HTTP client would send. */
export function openSocket(baseUrl: string): Promise<RawSocket> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(Number(port), hostname)
    const closed = new Promise<void>((done) => socket.on('close', () => done()))
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.once('connect', () => resolve({ socket, received: () => received, closed }))
    socket.once('error', reject)
  })
}

/** Writes `bytes` on a fresh connection and resolves with the whole answer once the server hangs up. */
export async function exchangeRaw(baseUrl: string, bytes: string): Promise<string> {
  const { socket, received, closed } = await openSocket(baseUrl)
  socket.write(bytes)
  await closed
  return received()
}

/** Status and JSON body of a raw HTTP answer. */
export function parseRaw(answer: string): { status: number; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) as unknown }
}
