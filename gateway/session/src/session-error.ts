import type { CertsErrorCode } from "@hutong/certs";

/**
 * The one error type of the session package. Codes are a closed set so the
 * gRPC layer, logs and metrics switch on `code`, never on message text; the
 * message is for operators' logs and is never sent to a partner (the gRPC
 * layer sends only the code).
 */
export const sessionErrorCodes = [
  /** A call carried no session ticket: the client must run the handshake first. */
  "no-session",
  /** The ticket does not open under any accepted ticket key (forged, corrupted, another gateway's, or a retired key). */
  "bad-ticket",
  /** The ticket opened but its expiry has passed: the client must run the handshake again. */
  "ticket-expired",
  /** A request MAC, response MAC or server-finished MAC does not verify. */
  "bad-mac",
  /** A (session, nonce) pair already seen inside the replay window. */
  "replay",
  /** The replay window is at its hard cap, so a fresh nonce cannot be remembered: refused, never forgotten. */
  "replay-window-full",
  /** The request timestamp is further from the server clock than the allowed skew (past or future). */
  "stale-timestamp",
  /** The peer's certificate chain failed validation; `certsCode` says why. */
  "bad-certificate",
  /** The peer is not the party asked for: the wrong target party, or a valid certificate of another party. */
  "wrong-party",
  /** A handshake signature (server's or client's) does not verify. */
  "bad-signature",
  /** The handshake cookie does not open under any accepted ticket key. */
  "bad-cookie",
  /** The handshake cookie is older than its lifetime: the client must start again. */
  "cookie-expired",
  /** The client's certificate is revoked (at the handshake or since). */
  "revoked",
  /** A message or metadata value that does not have the documented shape. */
  "malformed",
  /** A protocol version this implementation does not speak. */
  "unsupported-version",
  /** A configuration value outside its documented domain (start-up only, never on the wire). */
  "invalid-config",
] as const;

export type SessionErrorCode = (typeof sessionErrorCodes)[number];

export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** For bad-certificate, wrong-party and revoked raised by path validation: the CertsError code. */
  readonly certsCode: CertsErrorCode | undefined;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown; certsCode?: CertsErrorCode }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SessionError";
    this.code = code;
    this.certsCode = options?.certsCode;
  }
}

export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  return value instanceof SessionError && (code === undefined || value.code === code);
}

// gRPC status codes (grpc/doc/statuscodes.md). Defined here rather than imported
// from @grpc/grpc-js so this pure core does not depend on a transport.
export const grpcStatus = {
  invalidArgument: 3,
  failedPrecondition: 9,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/**
 * The single place a session error becomes a gRPC status. Everything about
 * identity is UNAUTHENTICATED, so a partner learns nothing finer than "not
 * authenticated"; shape errors and version mismatches get the codes that tell
 * a correct client what to fix; a full replay window is UNAVAILABLE because it
 * is transient and gRPC clients may retry it.
 */
export function sessionErrorToGrpcStatus(code: SessionErrorCode): number {
  switch (code) {
    case "malformed":
      return grpcStatus.invalidArgument;
    case "unsupported-version":
      return grpcStatus.failedPrecondition;
    case "replay-window-full":
      return grpcStatus.unavailable;
    case "invalid-config":
      return grpcStatus.internal;
    default:
      return grpcStatus.unauthenticated;
  }
}
