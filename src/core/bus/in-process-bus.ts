import type { BusEvent, BusListener, EventBus } from './event-bus.js'

/** The embedded default: events reach the subscribers of this process only. */
export class InProcessBus implements EventBus {
  readonly #listeners = new Set<BusListener>()

  async publish(event: BusEvent): Promise<void> {
    for (const listener of this.#listeners) listener(event)
  }

  /** Nothing is ever in flight: publish delivers at once. */
  async flush(): Promise<void> {}

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  readonly connected = true

  onConnection(): () => void {
    return () => {}
  }

  async close(): Promise<void> {
    this.#listeners.clear()
  }
}
