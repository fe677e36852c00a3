import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { WebSocket } from 'ws'
import { InProcessBus } from '../../../src/core/bus/in-process-bus.js'
import type { StreamContext } from '../../../src/features/streams/stream-connection.js'
import { StreamHub } from '../../../src/core/realtime/stream-hub.js'
import { MemoryMessageLog } from '../../helpers/message-log.js'
import { acceptWebSocket } from '../../../src/features/streams/websocket-sign-in.js'
import { systemClock } from '../../../src/core/clock.js'
import type { Authenticator } from '../../../src/core/http/authenticate.js'
import type { ChatService } from '../../../src/features/chat/chat-service.js'

/** Just enough of a ws socket to watch how it is closed. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  closedWith: number | undefined
  close(code: number) {
    this.closedWith = code
    this.readyState = 3
    this.emit('close', code)
  }
  terminate() {}
}

const context: StreamContext = {
  hub: new StreamHub(new InProcessBus(), new MemoryMessageLog()),
  chat: {} as ChatService,
  bufferBytes: 1000,
  heartbeatMs: 60_000,
  clock: systemClock,
  log: { error: () => {} },
}
const auth: Authenticator = async () => ({ address: 'R', expiresAt: new Date(Date.now() + 60_000).toISOString() })

afterEach(() => {
  vi.useRealTimers()
})

describe('WebSocket sign-in', () => {
  it('closes with 4401 when no auth frame comes within 10 s', () => {
    vi.useFakeTimers()
    const socket = new FakeSocket()
    acceptWebSocket(socket as unknown as WebSocket, undefined, auth, context)
    vi.advanceTimersByTime(9_999)
    expect(socket.closedWith).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(socket.closedWith).toBe(4401)
  })

  it('keeps a socket that signed in in time', async () => {
    vi.useFakeTimers()
    const socket = new FakeSocket()
    acceptWebSocket(socket as unknown as WebSocket, undefined, auth, context)
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'auth', token: 't' })), false)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(socket.closedWith).toBeUndefined()
    expect(context.hub.size).toBe(1)
    socket.close(1000)
    expect(context.hub.size).toBe(0)
  })
})
