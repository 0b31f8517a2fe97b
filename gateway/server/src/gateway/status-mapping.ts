import { type CodedError, isCodedError } from "@hutong/errors";
import { errorCodeTrailer, isSessionError, sessionErrorStatus } from "@hutong/session";
import { isWireError, Status, type StatusCode, WireError } from "@hutong/wire";
import { type AuditErrorCode, witnessSizeTrailer } from "../audit/audit-error.js";
import type { GatewayErrorCode } from "../gateway-error.js";
import type { GrantServiceErrorCode } from "../grants/grant-service-error.js";
import type { GrantsErrorCode } from "../grants/grants-error.js";
import type { OutboxErrorCode } from "../outbox/outbox-error.js";
import type { RoutingErrorCode } from "../routing/routing-error.js";
import { shareDenialTrailer } from "../share/share-denial-trailer.js";

/**
 * How a caller is answered for a code: a status with the error's own message (written for the
 * partner: it names the caller's party, method and purpose, never internal addresses, keys or
 * subjects), or "internal": INTERNAL with no detail, the error kept for the operator's log only.
 */
type Answer = StatusCode | "internal";

const gatewayAnswers: Record<GatewayErrorCode, Answer> = {
  "bad-request-context": Status.INVALID_ARGUMENT,
  "malformed-request": Status.INVALID_ARGUMENT,
  "acl-denied": Status.PERMISSION_DENIED,
  "relay-not-allowed": Status.PERMISSION_DENIED,
  "unknown-party": Status.NOT_FOUND,
  "target-unavailable": Status.UNAVAILABLE,
  overloaded: Status.RESOURCE_EXHAUSTED,
  "invalid-credentials": "internal",
  "share-denied": Status.PERMISSION_DENIED,
  "audit-unavailable": Status.UNAVAILABLE,
  "replay-check-unavailable": Status.UNAVAILABLE,
  "annotation-unavailable": Status.UNIMPLEMENTED,
};

const routingAnswers: Record<RoutingErrorCode, Answer> = {
  "malformed-hops": Status.INVALID_ARGUMENT,
  loop: Status.FAILED_PRECONDITION,
  "too-many-hops": Status.FAILED_PRECONDITION,
  // Config-time codes never reach a call; if one does, it is our fault.
  "invalid-pattern": "internal",
  "duplicate-route": "internal",
  "invalid-route": "internal",
  "invalid-rule": "internal",
};

// AuditService (endpoints/audit-endpoint.ts): the witness refusals follow the proto's comment on
// AddCheckpointResponse; size-conflict and fork carry the witness's size as tlog-witness's 409 does.
const auditAnswers: Record<AuditErrorCode, Answer> = {
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
const grantsAnswers: Record<GrantsErrorCode, Answer> = {
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

const grantServiceAnswers: Record<GrantServiceErrorCode, Answer> = {
  "not-found": Status.NOT_FOUND,
  "permission-denied": Status.PERMISSION_DENIED,
  "invalid-request": Status.INVALID_ARGUMENT,
  revoked: Status.FAILED_PRECONDITION,
  unavailable: Status.UNAVAILABLE,
};

// OutboxAdminService (endpoints/outbox-admin-endpoint.ts): a replay of a message that is not a dead
// letter (still pending, or held by a dispatcher now) is refused as the state of the system
// requires, not retried as it is; the engine's configuration codes never reach a call.
const outboxAnswers: Record<OutboxErrorCode, Answer> = {
  "invalid-policy": "internal",
  "duplicate-topic": "internal",
  "not-found": Status.NOT_FOUND,
  "in-flight": Status.FAILED_PRECONDITION,
  "not-dead": Status.FAILED_PRECONDITION,
  "invalid-argument": Status.INVALID_ARGUMENT,
  unavailable: Status.UNAVAILABLE,
};

/**
 * Every domain whose errors a caller may be told about, and how each code is answered. Any other
 * domain (store, config, certs, ...) fails on our side of the line: INTERNAL, logged, no detail.
 */
const answersByDomain: Readonly<Record<string, Readonly<Partial<Record<string, Answer>>>>> = {
  gateway: gatewayAnswers,
  routing: routingAnswers,
  audit: auditAnswers,
  grants: grantsAnswers,
  "grant-service": grantServiceAnswers,
  outbox: outboxAnswers,
};

/** A mapped error: what the caller is told, and the closed code the logs and metrics use. */
export interface MappedError {
  readonly wire: WireError;
  /** e.g. "session/replay", "gateway/acl-denied", "share/no-grant", "grants/bad-signature", "wire/4", "internal". */
  readonly reason: string;
  /** Only for "internal": the error to log; nothing of it goes on the wire. */
  readonly internal?: unknown;
}

/** The trailers an error carries beyond status and message: codes a client SDK acts on. */
function trailersOf(e: CodedError): Record<string, string> | undefined {
  if (isSessionError(e)) return { [errorCodeTrailer]: e.code };
  if ("denial" in e && typeof e.denial === "string") return { [shareDenialTrailer]: e.denial };
  if ("witnessSize" in e && typeof e.witnessSize === "number") return { [witnessSizeTrailer]: String(e.witnessSize) };
  return undefined;
}

/**
 * The one place any error of any hutong package becomes a gRPC status (docs/architecture.md,
 * "Errors"). Session failures tell the caller only their public code (docs/session-protocol.md §8)
 * in the message and in the `hutong-error` trailer, so an SDK knows when a new handshake helps;
 * other coded errors are answered by their domain's table above; anything unexpected is INTERNAL
 * with no detail. A WireError passes as it is: this gateway's own, or a status from behind it
 * (a backend's or peer's), which the exchange handler has already closed (pipeline/forwarded-status.ts).
 */
export function mapError(e: unknown): MappedError {
  if (isWireError(e)) return { wire: e, reason: `wire/${e.code}` };
  if (!isCodedError(e)) return internal(e);
  if (isSessionError(e)) {
    return {
      wire: new WireError(Status[sessionErrorStatus[e.code]], `session: ${e.code}`, {
        trailers: { [errorCodeTrailer]: e.code },
      }),
      reason: `session/${e.code}`,
    };
  }
  const answer = answersByDomain[e.domain]?.[e.code] ?? "internal";
  if (answer === "internal") return internal(e);
  const trailers = trailersOf(e);
  // The grants core's messages name fields, parties and certificate problems, never a subject or key.
  const message = e.domain === "grants" ? `grant refused (${e.code}): ${e.message}` : e.message;
  const denial = "denial" in e && typeof e.denial === "string" ? e.denial : undefined;
  return {
    wire: new WireError(answer, message, trailers === undefined ? undefined : { trailers }),
    reason: denial === undefined ? `${e.domain}/${e.code}` : `share/${denial}`,
  };
}

function internal(e: unknown): MappedError {
  return { wire: new WireError(Status.INTERNAL, "internal error"), reason: "internal", internal: e };
}
