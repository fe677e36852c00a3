import type { Attachment } from '../attachments/index.js'
import type { Consent } from '../consent/index.js'
import type { Message, Thread } from './chat-schemas.js'
import type { MessageRecord } from './message-repository.js'
import type { Participant, ThreadRecord } from './thread-repository.js'
import { isRead } from './thread-rules.js'

/*
 * Repository records as the contract shows them (docs/api.md §4): the one place a record
 * becomes a view, for the chat service and for whole-account reads alike.
 */

/**
 * Each participant's read marker; those of `hidden` (who blocked the viewer, or have not
 * accepted the thread) count as nothing read.
 */
export function markersOf(participants: readonly Participant[], hidden: readonly string[] = []): Map<string, number> {
  return new Map(participants.map((p) => [p.address, hidden.includes(p.address) ? 0 : p.last_read_id]))
}

export function toMessage(message: MessageRecord, readMarkers: ReadonlyMap<string, number>, attachments: Attachment[]): Message {
  return {
    id: message.id,
    sender: message.sender,
    content: message.content,
    timestamp: message.timestamp,
    is_read: isRead(message.id, message.sender, readMarkers),
    thread_uuid: message.thread_uuid,
    attachments,
    edited_at: message.edited_at,
    deleted_by: message.deleted_by,
  }
}

/** What an inbox shows for a message without text: "Photo" when every attachment is a picture. */
export function previewOf(attachments: readonly Attachment[]): string {
  return attachments.every((attachment) => attachment.kind === 'image') ? 'Photo' : 'File'
}

export function toThread(thread: ThreadRecord, participants: string[], consent: Consent): Thread {
  return {
    uuid: thread.uuid,
    participants,
    shop: thread.shop,
    created_at: thread.created_at,
    updated_at: thread.updated_at,
    last_message: thread.last_message,
    unread_count: thread.unread_count,
    consent,
  }
}
