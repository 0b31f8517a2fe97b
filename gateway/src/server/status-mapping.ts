import { type GatewayErrorCode, isGatewayError } from "../gateway-error.js";
import { isRoutingError, type RoutingErrorCode } from "../routing/routing-error.js";
import { isSessionError, sessionErrorToGrpcStatus } from "../session/index.js";
import { errorCodeTrailer } from "../session-rpc/error-trailer.js";
import { Status, type StatusCode } from "../wire/grpc-status.js";
import { isWireError, WireError } from "../wire/wire-error.js";

const gatewayStatus: Record<GatewayErrorCode, StatusCode> = {
  "bad-request-context": Status.INVALID_ARGUMENT,
  "malformed-request": Status.INVALID_ARGUMENT,
  "acl-denied": Status.PERMISSION_DENIED,
  "relay-not-allowed": Status.PERMISSION_DENIED,
  "unknown-party": Status.NOT_FOUND,
  "target-unavailable": Status.UNAVAILABLE,
  overloaded: Status.RESOURCE_EXHAUSTED,
  "invalid-credentials": Status.INTERNAL,
};

const routingStatus: Record<RoutingErrorCode, StatusCode> = {
  "malformed-hops": Status.INVALID_ARGUMENT,
  loop: Status.FAILED_PRECONDITION,
  "too-many-hops": Status.FAILED_PRECONDITION,
  // Config-time codes never reach a call; if one does, it is our fault.
  "invalid-pattern": Status.INTERNAL,
  "duplicate-route": Status.INTERNAL,
  "invalid-route": Status.INTERNAL,
  "invalid-rule": Status.INTERNAL,
};

/** A mapped error: what the caller is told, and the closed code the logs and metrics use. */
export interface MappedError {
  readonly wire: WireError;
  /** e.g. "session/replay", "gateway/acl-denied", "routing/loop", "wire/DEADLINE_EXCEEDED", "internal". */
  readonly reason: string;
  /** Only for "internal": the error to log; nothing of it goes on the wire. */
  readonly internal?: unknown;
}

/**
 * The one place any error of the gateway becomes a gRPC status. Session
 * failures tell the caller only their public code (docs/session-protocol.md
 * §8) in the message and in the `hutong-error` trailer, so an SDK knows when a
 * new handshake helps; gateway and routing messages are written for the
 * partner (they name the caller's own party, method and purpose, never
 * internal addresses); anything unexpected is INTERNAL with no detail.
 */
export function mapError(e: unknown): MappedError {
  if (isSessionError(e)) {
    return {
      wire: new WireError(sessionErrorToGrpcStatus(e.code) as StatusCode, `session: ${e.code}`, {
        trailers: { [errorCodeTrailer]: e.code },
      }),
      reason: `session/${e.code}`,
    };
  }
  if (isGatewayError(e)) {
    if (e.code === "invalid-credentials") return internal(e);
    return { wire: new WireError(gatewayStatus[e.code], e.message), reason: `gateway/${e.code}` };
  }
  if (isRoutingError(e)) {
    const status = routingStatus[e.code];
    if (status === Status.INTERNAL) return internal(e);
    return { wire: new WireError(status, e.message), reason: `routing/${e.code}` };
  }
  if (isWireError(e)) return { wire: e, reason: `wire/${e.code}` };
  return internal(e);
}

function internal(e: unknown): MappedError {
  return { wire: new WireError(Status.INTERNAL, "internal error"), reason: "internal", internal: e };
}
