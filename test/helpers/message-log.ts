import type { MessageLog } from '../../src/core/realtime/message-order.js'

/**
 * A database of messages in memory, for the stream hub and MessageOrder: `commit` adds an id,
 * `inFlight` holds ids claimed by transactions still open, and the high-water mark is the
 * highest committed id below the lowest of those.
 */
export class MemoryMessageLog<T> implements MessageLog<T> {
  readonly committed = new Map<number, T>()
  readonly inFlight = new Set<number>()
  /** Set to make every read fail, as an unreachable database does. */
  failing = false

  commit(id: number, item: T): void {
    this.committed.set(id, item)
  }

  async highWater(): Promise<number> {
    if (this.failing) throw new Error('database unreachable')
    return Math.min(Math.max(0, ...this.committed.keys()), ...[...this.inFlight].map((id) => id - 1))
  }

  async between(afterId: number, upTo: number, limit: number): Promise<Array<{ id: number; item: T }>> {
    if (this.failing) throw new Error('database unreachable')
    return [...this.committed]
      .filter(([id]) => id > afterId && id <= upTo)
      .sort(([a], [b]) => a - b)
      .slice(0, limit)
      .map(([id, item]) => ({ id, item }))
  }
}
