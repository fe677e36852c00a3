import type { Kysely } from 'kysely'
import type { NotificationSettingsTable, NotificationTables, ThreadMuteTable } from './notification-tables.js'

export type SettingsRecord = Omit<NotificationSettingsTable, 'address'>
export type MuteRecord = Pick<ThreadMuteTable, 'thread_uuid' | 'muted_until' | 'created_at'>

/** The only SQL on preferences and mutes. */
export class NotificationRepository {
  readonly #db: Kysely<NotificationTables>

  constructor(db: Kysely<object>) {
    this.#db = db.withTables<NotificationTables>()
  }

  /** Each address's stored settings; an address with none is absent. */
  async settings(addresses: readonly string[]): Promise<Map<string, SettingsRecord>> {
    if (addresses.length === 0) return new Map()
    const rows = await this.#db.selectFrom('notification_settings').selectAll().where('address', 'in', addresses).execute()
    return new Map(rows.map(({ address, ...settings }) => [address, settings]))
  }

  async saveSettings(address: string, settings: SettingsRecord): Promise<void> {
    await this.#db
      .insertInto('notification_settings')
      .values({ address, ...settings })
      .onConflict((conflict) => conflict.column('address').doUpdateSet(settings))
      .execute()
  }

  /** Of `addresses`, those who muted the thread past `now`. */
  async mutedBy(threadId: number, addresses: readonly string[], now: string): Promise<Set<string>> {
    if (addresses.length === 0) return new Set()
    const rows = await this.#db
      .selectFrom('thread_mutes')
      .select('address')
      .where('thread_id', '=', threadId)
      .where('address', 'in', addresses)
      .where((eb) => eb.or([eb('muted_until', 'is', null), eb('muted_until', '>', now)]))
      .execute()
    return new Set(rows.map((row) => row.address))
  }

  /** Of `threadIds`, those `address` muted past `now`. */
  async mutedThreads(address: string, threadIds: readonly number[], now: string): Promise<Set<number>> {
    if (threadIds.length === 0) return new Set()
    const rows = await this.#db
      .selectFrom('thread_mutes')
      .select('thread_id')
      .where('address', '=', address)
      .where('thread_id', 'in', threadIds)
      .where((eb) => eb.or([eb('muted_until', 'is', null), eb('muted_until', '>', now)]))
      .execute()
    return new Set(rows.map((row) => row.thread_id))
  }

  async mutes(address: string, limit: number, offset: number): Promise<{ count: number; mutes: MuteRecord[] }> {
    const [{ count }, mutes] = await Promise.all([
      this.#db
        .selectFrom('thread_mutes')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('address', '=', address)
        .executeTakeFirstOrThrow(),
      this.#db
        .selectFrom('thread_mutes')
        .select(['thread_uuid', 'muted_until', 'created_at'])
        .where('address', '=', address)
        .orderBy('created_at', 'desc')
        .orderBy('thread_id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
    ])
    return { count: Number(count), mutes }
  }

  /** Mutes or re-mutes a thread; the first mute's time stays. */
  async mute(address: string, thread: { id: number; uuid: string }, until: string | null, now: string): Promise<MuteRecord> {
    return this.#db
      .insertInto('thread_mutes')
      .values({ address, thread_id: thread.id, thread_uuid: thread.uuid, muted_until: until, created_at: now })
      .onConflict((conflict) => conflict.columns(['address', 'thread_id']).doUpdateSet({ muted_until: until }))
      .returning(['thread_uuid', 'muted_until', 'created_at'])
      .executeTakeFirstOrThrow()
  }

  async unmute(address: string, threadId: number): Promise<boolean> {
    const { numDeletedRows } = await this.#db
      .deleteFrom('thread_mutes')
      .where('address', '=', address)
      .where('thread_id', '=', threadId)
      .executeTakeFirst()
    return numDeletedRows > 0n
  }

  /** A person's settings and mutes go with their account. */
  async erase(address: string): Promise<void> {
    await this.#db.deleteFrom('thread_mutes').where('address', '=', address).execute()
    await this.#db.deleteFrom('notification_settings').where('address', '=', address).execute()
  }
}
