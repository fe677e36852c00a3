import type { RawData, WebSocket } from 'ws'
import { Unauthorized } from '../../core/errors.js'
import type { Authenticator } from '../../core/http/authenticate.js'
import { clientFrame, frameObject } from './client-frame.js'
import type { StreamContext } from './stream-connection.js'
import type { StreamSlots } from '../../core/limits/stream-slots.js'
import { UNAUTHORIZED, WsStream } from './ws-stream.js'

const SIGN_IN_TIMEOUT_MS = 10_000
/** Close code for a stream over MAX_STREAMS_PER_ADDRESS: 4000 + the HTTP status, like 4401. */
export const TOO_MANY_STREAMS = 4429
/** Frames a client may send before its sign-in is checked (auth then resume, typically). */
const MAX_EARLY_FRAMES = 16

/**
 * Signs a fresh WebSocket in: by the upgrade's bearer token, or else by a first frame
 * `{"type":"auth","token"}` within 10 s. Failure closes with 4401. Frames that arrive while
 * the token is being checked are kept and handled, in order, once the stream is open.
 *
 * ```ts
 * app.get('/api/chat/ws/', { websocket: true }, (socket, request) =>
 *   acceptWebSocket(socket, bearerToken(request), app.authenticator, context))
 * ```
 */
export function acceptWebSocket(
  socket: WebSocket,
  headerToken: string | undefined,
  authenticate: Authenticator,
  context: StreamContext,
  options: { afterId?: number; slots?: StreamSlots } = {},
): void {
  let stream: WsStream | undefined
  let signingIn = false
  const early: Array<[RawData, boolean]> = []
  const timeout = setTimeout(() => socket.close(UNAUTHORIZED, 'Sign-in timed out.'), SIGN_IN_TIMEOUT_MS)
  socket.on('close', () => clearTimeout(timeout))

  socket.on('message', (data, isBinary) => {
    if (stream) return stream.receive(data, isBinary)
    if (signingIn) {
      if (early.push([data, isBinary]) > MAX_EARLY_FRAMES) socket.close(1008, 'Too many frames before sign-in.')
      return
    }
    const token = authToken(data, isBinary)
    if (token === undefined) return socket.close(UNAUTHORIZED, 'Sign in first: {"type":"auth","token"}.')
    void signIn(token)
  })

  if (headerToken !== undefined) void signIn(headerToken)

  async function signIn(token: string): Promise<void> {
    signingIn = true
    try {
      const session = await authenticate(token)
      clearTimeout(timeout)
      if (socket.readyState !== socket.OPEN) return
      // Only now is the address known, so only now can it count: the upgrade took an IP slot
      // alone, whether the token came in its header or in a first frame.
      if (options.slots) {
        let release: () => void
        try {
          release = await options.slots.acquireAddress(session.address)
        } catch {
          return socket.close(TOO_MANY_STREAMS, 'Too many open streams for this address.')
        }
        if (socket.readyState !== socket.OPEN) return release()
        socket.once('close', release)
      }
      stream = WsStream.open(socket, context, { address: session.address, token, expiresAt: session.expiresAt }, options.afterId)
      for (const [data, isBinary] of early.splice(0)) stream.receive(data, isBinary)
    } catch (error) {
      if (error instanceof Unauthorized) return socket.close(UNAUTHORIZED, 'Invalid or expired token.')
      context.log.error({ err: error }, 'websocket sign-in failed')
      socket.close(1011, 'Internal error.')
    }
  }
}

/** The token of an `auth` frame; undefined for any other frame. */
function authToken(data: RawData, isBinary: boolean): string | undefined {
  try {
    const frame = clientFrame(frameObject(isBinary ? null : data.toString()))
    return frame.type === 'auth' ? frame.token : undefined
  } catch {
    return undefined
  }
}
