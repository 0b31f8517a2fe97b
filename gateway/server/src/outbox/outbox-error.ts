import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The outbox engine's errors (docs/outbox.md, "Error codes"). The store's own failures stay
 * StoreError, except where OutboxAdminService tells a caller what it may know of them
 * (invalid-argument, unavailable); these are the engine's and the operator actions' refusals.
 * Messages carry topic names, destinations (party ids) and message ids, never payloads.
 */
export const outboxErrorCodes = [
  /** A topic's retry, dead-letter, breaker or timeout numbers are outside their domain. */
  "invalid-policy",
  /** Two topics with one name given to a dispatcher. */
  "duplicate-topic",
  /** No message with that id in the outbox (delivered, dropped, or never there). */
  "not-found",
  /** A dispatcher holds the message right now; try again once its delivery has settled. */
  "in-flight",
  /** Replay is for dead letters; the message is still pending. */
  "not-dead",
  /** An OutboxAdminService request outside its domain: a filter, a page token, a message id. */
  "invalid-argument",
  /** The store could not be reached, is closed or overloaded; the request did not happen. */
  "unavailable",
] as const;

export type OutboxErrorCode = (typeof outboxErrorCodes)[number];

export class OutboxError extends CodedError<"outbox", OutboxErrorCode> {
  constructor(code: OutboxErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("outbox", code, message, options);
    this.name = "OutboxError";
  }
}

export const isOutboxError = codedErrorGuard(OutboxError);
