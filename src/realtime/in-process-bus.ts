import type { ChatEvent, ChatEventListener, EventBus } from './events.js'

/** The embedded default: events reach the subscribers of this process only. */
export class InProcessBus implements EventBus {
  readonly #listeners = new Set<ChatEventListener>()

  publish(event: ChatEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  subscribe(listener: ChatEventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#listeners.clear()
  }
}
