/** The contract's JSON shapes (API.md §4, §6) as the service hands them to HTTP and streams. */

export interface ShopSummary {
  id: number
  name: string
  url: string
}

export interface ShopView extends ShopSummary {
  owner_address: string
  created_at: string
}

export interface MessageView {
  id: number
  sender: string
  content: string
  timestamp: string
  is_read: boolean
  thread_uuid: string
}

export interface ThreadView {
  uuid: string
  participants: string[]
  shop: ShopSummary | null
  created_at: string
  updated_at: string
  last_message: string | null
  unread_count: number
}

export interface ThreadDetailView extends ThreadView {
  messages: MessageView[]
}
