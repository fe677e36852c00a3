import { describe, expect, it } from 'vitest'
import { InProcessBus } from '../../../src/core/bus/in-process-bus.js'
import { REVOKED_EVENT } from '../../../src/core/bus/event-bus.js'
import { secretHash } from '../../../src/core/secret-hash.js'
import { systemClock } from '../../../src/core/clock.js'
import { StreamConnection, type StreamSession } from '../../../src/features/streams/stream-connection.js'
import type { StreamEvent } from '../../../src/core/realtime/stream-event.js'
import { MemoryMessageLog } from '../../helpers/message-log.js'
import { StreamHub, type EndReason } from '../../../src/core/realtime/stream-hub.js'
import type { ChatService } from '../../../src/features/chat/chat-service.js'

/** A connection that records what it is sent and why it ended. */
class RecordingConnection extends StreamConnection {
  readonly sent: string[] = []
  endedBy: EndReason | undefined
  queued = 0

  constructor(hub: StreamHub, session: StreamSession) {
    const chat = { messagesAfter: async () => [] } as unknown as ChatService
    super({ hub, chat, bufferBytes: 1000, heartbeatMs: 60_000, clock: systemClock, log: console }, session)
    this.open()
  }

  protected write(event: StreamEvent): void {
    this.sent.push(event.frame)
  }
  protected buffered(): number {
    return this.queued
  }
  protected flushed(): Promise<void> {
    return Promise.resolve()
  }
  protected heartbeat(): void {}
  protected finish(reason: EndReason): void {
    this.endedBy = reason
  }
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()
const typing = (recipients: string[]) => ({ type: 'typing' as const, recipients, data: { uuid: 'u', address: 'x' } })

describe('StreamHub', () => {
  it("routes an event to its recipients' connections only", () => {
    const bus = new InProcessBus()
    const hub = new StreamHub(bus, new MemoryMessageLog())
    const alice = [1, 2].map(() => new RecordingConnection(hub, { address: 'alice', token: 'a', expiresAt: inAnHour() }))
    const bob = new RecordingConnection(hub, { address: 'bob', token: 'b', expiresAt: inAnHour() })
    bus.publish(typing(['alice']))
    expect(alice.map((c) => c.sent)).toEqual([[`{"type":"typing","data":{"uuid":"u","address":"x"}}`], [`{"type":"typing","data":{"uuid":"u","address":"x"}}`]])
    expect(bob.sent).toEqual([])
  })

  it('ends the connections of a revoked token, and no others', () => {
    const bus = new InProcessBus()
    const hub = new StreamHub(bus, new MemoryMessageLog())
    const revoked = new RecordingConnection(hub, { address: 'alice', token: 'old', expiresAt: inAnHour() })
    const kept = new RecordingConnection(hub, { address: 'alice', token: 'new', expiresAt: inAnHour() })
    void bus.publish({ type: REVOKED_EVENT, recipients: ['alice'], data: { token_hash: secretHash('old') } })
    expect([revoked.endedBy, kept.endedBy]).toEqual(['revoked', undefined])
    bus.publish(typing(['alice']))
    expect([revoked.sent.length, kept.sent.length]).toEqual([0, 1])
    expect(hub.size).toBe(1)
  })

  it('ends a connection when its token expires', async () => {
    const hub = new StreamHub(new InProcessBus(), new MemoryMessageLog())
    const connection = new RecordingConnection(hub, {
      address: 'alice',
      token: 't',
      expiresAt: new Date(Date.now() + 50).toISOString(),
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(connection.endedBy).toBe('expired')
    expect(hub.size).toBe(0)
  })

  it('cuts off a connection whose unsent bytes pass the bound, without touching the others', () => {
    const bus = new InProcessBus()
    const hub = new StreamHub(bus, new MemoryMessageLog())
    const slow = new RecordingConnection(hub, { address: 'alice', token: 'a', expiresAt: inAnHour() })
    const fast = new RecordingConnection(hub, { address: 'alice', token: 'b', expiresAt: inAnHour() })
    slow.queued = 1001
    bus.publish(typing(['alice']))
    expect([slow.endedBy, fast.endedBy]).toEqual(['overflow', undefined])
    bus.publish(typing(['alice']))
    expect(fast.sent).toHaveLength(2)
  })

  it('ends every stream on close and turns new ones away', () => {
    const hub = new StreamHub(new InProcessBus(), new MemoryMessageLog())
    const open = new RecordingConnection(hub, { address: 'alice', token: 'a', expiresAt: inAnHour() })
    hub.close()
    const late = new RecordingConnection(hub, { address: 'bob', token: 'b', expiresAt: inAnHour() })
    expect([open.endedBy, late.endedBy]).toEqual(['shutdown', 'shutdown'])
    expect(hub.size).toBe(0)
  })
})
