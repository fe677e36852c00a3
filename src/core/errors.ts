/**
 * The few ways a request can fail. Thrown by the service and the store; the HTTP error
 * handler is the one place that turns them into the contract's status codes and bodies.
 */
export abstract class ChatError extends Error {}

/** Missing, expired, revoked or unknown credentials. */
export class Unauthorized extends ChatError {}

export class Forbidden extends ChatError {}

/** Also used for things the caller may not know exist, so existence is never revealed. */
export class NotFound extends ChatError {
  constructor(message = 'Not found.') {
    super(message)
  }
}

export class Conflict extends ChatError {}

/** A validation problem with one field of the input (`non_field_errors` for the whole). */
export class Invalid extends ChatError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

export class RateLimited extends ChatError {
  constructor(readonly retryAfterSeconds: number) {
    super('Request was throttled.')
  }
}

/** A request body larger than the route takes (an upload past MAX_ATTACHMENT_BYTES). */
export class PayloadTooLarge extends ChatError {}

/** A byte range that lies outside the resource; the answer names the resource's size. */
export class RangeNotSatisfiable extends ChatError {
  constructor(readonly size: number) {
    super('Requested range not satisfiable.')
  }
}
