/**
 * An event as the bus carries it after a commit. The feature that publishes it names its
 * `type` and owns its `data` shape; the bus and the stream hub only route it to `recipients`.
 */
export interface BusEvent<Data = unknown> {
  readonly type: string
  readonly recipients: readonly string[]
  readonly data: Data
}

/** A new message: streams deliver these in id order and resume from an id. */
export interface MessageEventData {
  readonly id: number
  readonly sender: string
}

export const MESSAGE_EVENT = 'message'

/** A signed-out token: every node closes the streams opened with it (never sent to clients). */
export const REVOKED_EVENT = 'revoked'

export interface RevokedEventData {
  readonly token_hash: string
}

type Typed = Pick<BusEvent, 'type' | 'data'>

export function isMessageEvent<E extends Typed>(event: E): event is E & { readonly data: MessageEventData } {
  return event.type === MESSAGE_EVENT
}

export function isRevokedEvent<E extends Typed>(event: E): event is E & { readonly data: RevokedEventData } {
  return event.type === REVOKED_EVENT
}

export type BusListener = (event: BusEvent) => void

/**
 * Carries events to every subscriber in the deployment: in one process by default, across
 * nodes through Redis. Publish only after the change is committed, so a listener that
 * reads the database finds what the event announces.
 */
export interface EventBus {
  /**
   * Delivers to this process's subscribers at once; resolves once Redis took it. A publish that
   * fails there resolves all the same: the bus carries liveness, and clients resume from the
   * database.
   */
  publish(event: BusEvent): Promise<void>
  /**
   * Resolves once what this node published before has been handed to every other node's link,
   * so a request any node reads after that finds it heard: a sign-out awaits it before answering.
   */
  flush(): Promise<void>
  subscribe(listener: BusListener): () => void
  /** Whether events from other nodes reach this one now; an in-process bus always does. */
  readonly connected: boolean
  /** Calls `listener` each time the link to the other nodes drops (false) or comes back (true). */
  onConnection(listener: (connected: boolean) => void): () => void
  close(): Promise<void>
}
