import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** A request answered this late is worth a line whatever its status. */
const SLOW_REQUEST_MS = 1000

/**
 * The request log keeps what an operator reads it for: refusals and errors (status ≥ 400),
 * slow requests and opened streams at `info`, and every other request at `debug`. Each is one
 * line, written when the request completes, with what Fastify's two default lines ("incoming
 * request", "request completed") carry between them: method, URL (token cut), IP, status and
 * time. A line cost a read 11–17 % of its CPU (see BENCHMARKS.md), and /metrics already
 * counts every request by route, status and duration; `LOG_LEVEL=debug` logs every one. A
 * stream, which completes late or never, is also logged when it opens.
 */
export class RequestLog extends LogController {
  readonly #slowMs: number

  constructor(options: { slowMs?: number } = {}) {
    super()
    this.#slowMs = options.slowMs ?? SLOW_REQUEST_MS
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    const { upgrade, accept } = request.headers
    if (upgrade !== undefined || accept?.includes('text/event-stream')) super.incomingRequest(request, reply)
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || this.isLogDisabled(request)) return super.requestCompleted(error, request, reply)
    const responseTime = reply.elapsedTime
    const routine = reply.statusCode < 400 && responseTime < this.#slowMs
    reply.log[routine ? 'debug' : 'info']({ req: request, res: reply, responseTime }, 'request completed')
  }
}
