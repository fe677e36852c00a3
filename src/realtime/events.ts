import type { MessageView } from '../service/views.js'

/** What the service announces after a commit; streams forward each event to its recipients. */
export type ChatEvent =
  | { type: 'message'; recipients: readonly string[]; data: MessageView }
  | { type: 'read'; recipients: readonly string[]; data: { uuid: string; address: string; last_read_id: number } }
  | { type: 'thread'; recipients: readonly string[]; data: { uuid: string; action: 'created' | 'updated' | 'deleted' } }
  | { type: 'typing'; recipients: readonly string[]; data: { uuid: string; address: string } }
  /** A signed-out token: every node closes the streams opened with it (never sent to clients). */
  | { type: 'revoked'; recipients: readonly string[]; data: { token_hash: string } }

export type ChatEventListener = (event: ChatEvent) => void

/**
 * Carries events to every subscriber in the deployment: in one process by default, across
 * nodes through Redis. Publish only after the change is committed, so a listener that
 * reads the database finds what the event announces.
 */
export interface EventBus {
  publish(event: ChatEvent): void
  subscribe(listener: ChatEventListener): () => void
  close(): Promise<void>
}
