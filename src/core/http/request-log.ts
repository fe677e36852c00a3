import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * One log line per request, written when it completes, with what Fastify's two default lines
 * ("incoming request", "request completed") carry between them: method, URL (token cut), IP,
 * status and time. A log line costs about as much as a small query, so the second one was a
 * measurable share of every request (see BENCHMARKS.md). A stream, which completes late or
 * never, is also logged when it opens.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    const { upgrade, accept } = request.headers
    if (upgrade !== undefined || accept?.includes('text/event-stream')) super.incomingRequest(request, reply)
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || this.isLogDisabled(request)) return super.requestCompleted(error, request, reply)
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
