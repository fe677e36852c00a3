import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, Invalid, NotFound } from '../../core/errors.js'
import { isValidAddress, type Network } from '../../core/vfx/address.js'
import type { BlockRepository } from './block-repository.js'
import type { Block } from './block-schemas.js'

/**
 * What a blocked address is told, on every path (HTTP, WebSocket, lookup, participants): an
 * honest refusal. A silent drop would leave it believing it was heard, and retrying.
 */
export const BLOCKED = 'You cannot message this conversation: a participant has blocked you.'

/**
 * Blocking (docs/api.md §11): a blocked address cannot reach the blocker, and never learns
 * when the blocker reads or types. The chat asks this service on every path that could.
 */
export class BlockService {
  readonly #repository: BlockRepository
  readonly #network: Network
  readonly #clock: Clock

  constructor(repository: BlockRepository, options: { network: Network; clock: Clock }) {
    this.#repository = repository
    this.#network = options.network
    this.#clock = options.clock
  }

  async block(caller: string, address: string): Promise<{ block: Block; created: boolean }> {
    if (!isValidAddress(address, this.#network)) throw new Invalid('address', `Enter a valid VFX ${this.#network} address.`)
    if (address === caller) throw new Invalid('address', 'You cannot block yourself.')
    const now = timestamp(this.#clock)
    if (await this.#repository.add(caller, address, now)) return { block: { address, created_at: now }, created: true }
    // Blocked already: the block stands as it was, since its first time.
    const existing = await this.#repository.find(caller, address)
    return { block: existing ?? { address, created_at: now }, created: false }
  }

  async unblock(caller: string, address: string): Promise<void> {
    if (!(await this.#repository.remove(caller, address))) throw new NotFound()
  }

  list(caller: string, limit: number, offset: number) {
    return this.#repository.list(caller, limit, offset)
  }

  /** Everyone `blocker` has blocked: the inbox hides the threads they alone share with it. */
  blockedBy(blocker: string): Promise<string[]> {
    return this.#repository.blockedBy(blocker)
  }

  /** Everyone who blocked `address`: their read markers stay hidden from it. */
  blockersOf(address: string): Promise<string[]> {
    return this.#repository.blockersOf(address)
  }

  /**
   * Refuses `sender` reaching any of `recipients` who blocked it (Forbidden, the same words
   * everywhere). `recipients` may be a function: it is asked only when someone blocked the
   * sender at all, which for nearly every send is nobody.
   */
  async checkReachable(sender: string, recipients: readonly string[] | (() => Promise<readonly string[]>)): Promise<void> {
    const blockers = await this.#repository.blockersOf(sender)
    if (blockers.length === 0) return
    const reached = typeof recipients === 'function' ? await recipients() : recipients
    if (blockers.some((blocker) => reached.includes(blocker))) throw new Forbidden(BLOCKED)
  }

  /**
   * `recipients` without those `actor` blocked or is blocked by: who may see the actor type or
   * read. Neither side of a block learns when the other is there.
   */
  async withoutBlocks(actor: string, recipients: readonly string[]): Promise<string[]> {
    const [blocked, blockers] = await Promise.all([this.#repository.blockedBy(actor), this.#repository.blockersOf(actor)])
    const hidden = new Set([...blocked, ...blockers])
    return recipients.filter((recipient) => !hidden.has(recipient))
  }

  /** Deletes every block `blocker` made (an erased account's); the blocks others made of it stay. */
  removeAllBy(blocker: string): Promise<void> {
    return this.#repository.removeAllBy(blocker)
  }
}
