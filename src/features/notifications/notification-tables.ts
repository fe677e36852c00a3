/** The notifications' own tables, as Kysely sees them. */
export type NotificationTables = {
  notification_settings: NotificationSettingsTable
  thread_mutes: ThreadMuteTable
}

/** A person's choices; no row means the defaults (every channel on, no previews, no quiet hours). */
export interface NotificationSettingsTable {
  address: string
  push: number
  email: number
  webhooks: number
  /** Whether a push or a digest may carry the message's words. */
  previews: number
  /** 'HH:MM' in `time_zone`, both or neither. */
  quiet_start: string | null
  quiet_end: string | null
  time_zone: string
  digest_after_minutes: number
}

/** A thread one participant silenced, for ever (null) or until a time. */
export interface ThreadMuteTable {
  address: string
  thread_id: number
  /** The thread's uuid as the API names it (threads are the chat's table). */
  thread_uuid: string
  muted_until: string | null
  created_at: string
}
