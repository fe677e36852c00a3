import type { MessageLog } from '../../src/core/realtime/message-order.js'

/**
 * A database of messages in memory, for the stream hub and MessageOrder: `commit` adds an id,
 * and the high-water mark is the highest committed id, as ids commit in order.
 */
export class MemoryMessageLog<T> implements MessageLog<T> {
  readonly committed = new Map<number, T>()
  /** Set to make every read fail, as an unreachable database does. */
  failing = false

  commit(id: number, item: T): void {
    this.committed.set(id, item)
  }

  async highWater(): Promise<number> {
    if (this.failing) throw new Error('database unreachable')
    return Math.max(0, ...this.committed.keys())
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
