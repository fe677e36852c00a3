/** Real-time delivery: Server-Sent Events and WebSocket, with lossless resume by message id. */
export { streamRoutes } from './stream-routes.js'
