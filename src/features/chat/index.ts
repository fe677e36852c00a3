/** Threads between VFX addresses and their messages: inboxes, read markers, new-messages. */
export type { ChatEvent } from './chat-events.js'
export { Message, ReadEvent, Thread, ThreadDetail, ThreadEvent, TypingEvent } from './chat-schemas.js'
export { ChatService } from './chat-service.js'
export type { ChatTables } from './chat-tables.js'
export { MessageRepository } from './message-repository.js'
export { messageRoutes } from './message-routes.js'
export { ThreadRepository } from './thread-repository.js'
export { threadRoutes } from './thread-routes.js'
