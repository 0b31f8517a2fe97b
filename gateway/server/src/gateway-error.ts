import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The gateway's own error type for what happens in the share pipeline (the
 * session core, routing, config and the wire layer each have theirs). Codes are
 * a closed set; `server/status-mapping.ts` is the one place any of them
 * becomes a gRPC status, and the message sent to a partner is written there,
 * not taken from internals.
 */
export const gatewayErrorCodes = [
  /** The request's RequestContext (field 1) is missing, undecodable or invalid. */
  "bad-request-context",
  /** The request bytes are not well-formed protobuf. */
  "malformed-request",
  /** The service ACL has no rule allowing this caller, method, purpose and target. */
  "acl-denied",
  /** A peer sent relay metadata (origin, hops) it is not trusted to assert. */
  "relay-not-allowed",
  /** No route for the target party. */
  "unknown-party",
  /** The route's target (backend or peer gateway) cannot be reached or refused the connection. */
  "target-unavailable",
  /** The route's queue is full (backpressure). */
  "overloaded",
  /** Certificate, key or trust files that cannot be used. */
  "invalid-credentials",
  /** The share step refused the share (grant, purpose policy); `denial` holds the reason code. */
  "share-denied",
  /** The audit log could not record the decision durably, so nothing was released. */
  "audit-unavailable",
  /** The replay window the replicas share (PostgreSQL) could not be asked, so the call was not run. */
  "replay-check-unavailable",
  /** An annotated copy was asked for and the owner's gateway signs none (docs/annotated-copies.md). */
  "annotation-unavailable",
] as const;

export type GatewayErrorCode = (typeof gatewayErrorCodes)[number];

export class GatewayError extends CodedError<"gateway", GatewayErrorCode> {
  /** For share-denied: the closed reason code (docs/grants.md), sent to the caller in a trailer. */
  readonly denial: string | undefined;
  constructor(
    code: GatewayErrorCode,
    message: string,
    options?: { readonly cause?: unknown; readonly denial?: string },
  ) {
    super("gateway", code, message, options);
    this.name = "GatewayError";
    this.denial = options?.denial;
  }
}

export const isGatewayError = codedErrorGuard(GatewayError);
