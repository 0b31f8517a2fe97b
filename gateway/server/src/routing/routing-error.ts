import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the routing core (patterns, route table, hops, ACL).
 * Codes are a closed set so the gateway maps them to gRPC status in one place
 * and logs and metrics switch on `code`, never on message text. Messages are
 * for operators (config errors, logs), not for partners.
 */
export const routingErrorCodes = [
  /** A party pattern or method pattern outside the documented grammar (config). */
  "invalid-pattern",
  /** Two routes with the same match text: which one wins would be arbitrary (config). */
  "duplicate-route",
  /** A route whose target or limits are outside their domain (config). */
  "invalid-route",
  /** An ACL rule that can never match (an empty list) or names an unknown purpose (config). */
  "invalid-rule",
  /** A `hutong-hops` value that is not a comma-separated list of at most 32 party ids (wire). */
  "malformed-hops",
  /** This gateway, or another one, is already on the call's path (wire). */
  "loop",
  /** The call has already crossed the configured maximum number of gateways (wire). */
  "too-many-hops",
] as const;

export type RoutingErrorCode = (typeof routingErrorCodes)[number];

export class RoutingError extends CodedError<"routing", RoutingErrorCode> {
  constructor(code: RoutingErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("routing", code, message, options);
    this.name = "RoutingError";
  }
}

export const isRoutingError = codedErrorGuard(RoutingError);
