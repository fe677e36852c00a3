import { timestamp, type Clock } from '../../core/clock.js'
import { Forbidden, Invalid } from '../../core/errors.js'
import { isValidAddress, type Network } from '../../core/vfx/address.js'
import type { AuthService } from '../auth/index.js'
import type { Block, BlockService } from '../blocks/index.js'
import type { ChatRecords, ThreadDetail } from '../chat/index.js'
import type { NotificationRecords } from '../notifications/index.js'
import type { ConsentService } from '../consent/index.js'
import type { AttachmentService } from '../attachments/index.js'
import type { ShopService } from '../shops/index.js'
import type { AccountExport } from './account-schemas.js'

/** The features whose records of an address an export reads and an erasure removes. */
export interface AccountParts {
  chat: ChatRecords
  shops: ShopService
  blocks: BlockService
  consent: ConsentService
  attachments: AttachmentService
  auth: AuthService
  notifications: NotificationRecords
}

export interface AccountOptions {
  network: Network
  /** MESSAGE_RETENTION_DAYS: messages older than this are deleted; 0 keeps them for ever. */
  retentionDays: number
  clock: Clock
}

const DAY_MS = 86_400_000
/** Messages one retention pass deletes at most: one short transaction, whatever the backlog. */
const RETENTION_BATCH = 1000
const BLOCKS_PAGE = 500

/**
 * People's control of their data (docs/api.md §13): an export of everything the service holds
 * of the caller, the erasure of their account, and the retention limit on everyone's messages.
 * It has no tables: each feature reads and removes its own records through its service.
 */
export class AccountService {
  readonly #parts: AccountParts
  readonly #options: AccountOptions

  constructor(parts: AccountParts, options: AccountOptions) {
    this.#parts = parts
    this.#options = options
  }

  async export(caller: string): Promise<AccountExport> {
    const { chat, shops, attachments, notifications } = this.#parts
    const exportedAt = timestamp(this.#options.clock)
    const threads: ThreadDetail[] = []
    for await (const thread of chat.everyThreadOf(caller)) threads.push(thread)
    const [messagesSent, owned, blocks, uploads, notified] = await Promise.all([
      chat.countSentBy(caller),
      shops.ownedBy(caller),
      this.#blocksOf(caller),
      attachments.uploadsOf(caller),
      notifications.exportOf(caller),
    ])
    return { address: caller, exported_at: exportedAt, threads, messages_sent: messagesSent, shops: owned, blocks, attachments: uploads, notifications: notified }
  }

  /**
   * Erases the caller's account. Their tokens go first, so nothing new is written while the
   * rest is removed; then each feature removes its own records. Every step is idempotent: a
   * failed erasure is finished by asking again (after signing in again).
   */
  async erase(caller: string, confirm: string): Promise<void> {
    if (confirm !== caller) {
      // As for `sender` and new-messages' `address` (§3): naming someone else is refused, not mistyped.
      if (isValidAddress(confirm, this.#options.network)) throw new Forbidden('You can only erase your own account.')
      throw new Invalid('confirm', 'Enter your own address to confirm.')
    }
    const { chat, shops, blocks, consent, auth, notifications } = this.#parts
    await auth.revokeAll(caller)
    await chat.leaveEveryThread(caller)
    await chat.eraseMessagesOf(caller)
    for (const shop of await shops.ownedBy(caller)) await shops.delete(caller, shop.id)
    await blocks.removeAllBy(caller)
    await consent.removeAllOf(caller)
    await notifications.erase(caller)
  }

  /**
   * One retention pass (MESSAGE_RETENTION_DAYS): deletes at most RETENTION_BATCH messages older
   * than the limit, with their attachments' records. Returns how many; 0 when retention is off.
   */
  async applyRetention(): Promise<number> {
    if (this.#options.retentionDays === 0) return 0
    const before = timestamp(this.#options.clock, -this.#options.retentionDays * DAY_MS)
    return this.#parts.chat.deleteMessagesBefore(before, RETENTION_BATCH)
  }

  async #blocksOf(caller: string): Promise<Block[]> {
    const blocks: Block[] = []
    for (let offset = 0; ; offset += BLOCKS_PAGE) {
      const page = await this.#parts.blocks.list(caller, BLOCKS_PAGE, offset)
      blocks.push(...page.blocks)
      if (page.blocks.length < BLOCKS_PAGE) return blocks
    }
  }
}
