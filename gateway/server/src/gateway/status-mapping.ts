import { errorCodeTrailer, isSessionError, sessionErrorToGrpcStatus } from "@hutong/session";
import { isWireError, Status, type StatusCode, WireError } from "@hutong/wire";
import { type AuditErrorCode, isAuditError, witnessSizeTrailer } from "../audit/audit-error.js";
import { type GatewayErrorCode, isGatewayError } from "../gateway-error.js";
import { type GrantServiceErrorCode, isGrantServiceError } from "../grants/grant-service-error.js";
import { type GrantsErrorCode, isGrantsError } from "../grants/grants-error.js";
import { isRoutingError, type RoutingErrorCode } from "../routing/routing-error.js";
import { shareDenialTrailer } from "../share/share-denial-trailer.js";

const gatewayStatus: Record<GatewayErrorCode, StatusCode> = {
  "bad-request-context": Status.INVALID_ARGUMENT,
  "malformed-request": Status.INVALID_ARGUMENT,
  "acl-denied": Status.PERMISSION_DENIED,
  "relay-not-allowed": Status.PERMISSION_DENIED,
  "unknown-party": Status.NOT_FOUND,
  "target-unavailable": Status.UNAVAILABLE,
  overloaded: Status.RESOURCE_EXHAUSTED,
  "invalid-credentials": Status.INTERNAL,
  "share-denied": Status.PERMISSION_DENIED,
  "audit-unavailable": Status.UNAVAILABLE,
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

// AuditService (server/audit-endpoint.ts): the witness refusals follow the proto's comment on
// AddCheckpointResponse; size-conflict and fork carry the witness's size as tlog-witness's 409 does.
const auditStatus: Record<AuditErrorCode, StatusCode> = {
  "invalid-argument": Status.INVALID_ARGUMENT,
  "out-of-range": Status.OUT_OF_RANGE,
  "not-found": Status.NOT_FOUND,
  untrusted: Status.PERMISSION_DENIED,
  "size-conflict": Status.FAILED_PRECONDITION,
  fork: Status.ABORTED,
  unavailable: Status.UNAVAILABLE,
};

// Grants and revocations a caller presents (GrantService): a malformed artefact is the caller's
// bad argument; one whose signer, signature or policy fit fails grants nothing, so it is denied.
const grantsStatus: Record<GrantsErrorCode, StatusCode> = {
  malformed: Status.INVALID_ARGUMENT,
  "invalid-grant": Status.INVALID_ARGUMENT,
  "invalid-revocation": Status.INVALID_ARGUMENT,
  "invalid-argument": Status.INVALID_ARGUMENT,
  "untrusted-signer": Status.PERMISSION_DENIED,
  "wrong-signer": Status.PERMISSION_DENIED,
  "bad-signature": Status.PERMISSION_DENIED,
  "grantor-not-allowed": Status.PERMISSION_DENIED,
  "exceeds-policy": Status.PERMISSION_DENIED,
};

const grantServiceStatus: Record<GrantServiceErrorCode, StatusCode> = {
  "not-found": Status.NOT_FOUND,
  "permission-denied": Status.PERMISSION_DENIED,
  "invalid-request": Status.INVALID_ARGUMENT,
  revoked: Status.FAILED_PRECONDITION,
  unavailable: Status.UNAVAILABLE,
};

/** A mapped error: what the caller is told, and the closed code the logs and metrics use. */
export interface MappedError {
  readonly wire: WireError;
  /** e.g. "session/replay", "gateway/acl-denied", "routing/loop", "grants/bad-signature", "wire/DEADLINE_EXCEEDED", "internal". */
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
    const trailers = e.denial === undefined ? undefined : { [shareDenialTrailer]: e.denial };
    return {
      wire: new WireError(gatewayStatus[e.code], e.message, trailers === undefined ? undefined : { trailers }),
      reason: e.denial === undefined ? `gateway/${e.code}` : `share/${e.denial}`,
    };
  }
  if (isRoutingError(e)) {
    const status = routingStatus[e.code];
    if (status === Status.INTERNAL) return internal(e);
    return { wire: new WireError(status, e.message), reason: `routing/${e.code}` };
  }
  if (isAuditError(e)) {
    const trailers = e.witnessSize === undefined ? undefined : { [witnessSizeTrailer]: String(e.witnessSize) };
    return {
      wire: new WireError(auditStatus[e.code], e.message, trailers === undefined ? undefined : { trailers }),
      reason: `audit/${e.code}`,
    };
  }
  if (isGrantsError(e)) {
    // The core's messages name fields, parties and certificate problems, never a subject or key.
    return {
      wire: new WireError(grantsStatus[e.code], `grant refused (${e.code}): ${e.message}`),
      reason: `grants/${e.code}`,
    };
  }
  if (isGrantServiceError(e)) {
    return { wire: new WireError(grantServiceStatus[e.code], e.message), reason: `grant-service/${e.code}` };
  }
  if (isWireError(e)) return { wire: e, reason: `wire/${e.code}` };
  return internal(e);
}

function internal(e: unknown): MappedError {
  return { wire: new WireError(Status.INTERNAL, "internal error"), reason: "internal", internal: e };
}
