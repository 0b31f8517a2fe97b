import type { CertsErrorCode } from "@hutong/certs";
import { CodedError, codedErrorGuard } from "@hutong/errors";

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
  /**
   * The two ends do not agree on how messages travel: the server does not accept the protection the
   * client asked for (plaintext where its config does not allow it, or a mode it does not know), or
   * the server's hello names another protection than the client asked for (a downgrade attempt).
   */
  "protection-refused",
  /** The server is at its handshake limits (concurrent handshakes, or this peer's rate): retry later. */
  "busy",
  /** A configuration value outside its documented domain (start-up only, never on the wire). */
  "invalid-config",
] as const;

export type SessionErrorCode = (typeof sessionErrorCodes)[number];

export class SessionError extends CodedError<"session", SessionErrorCode> {
  /** For bad-certificate, wrong-party and revoked raised by path validation: the CertsError code. */
  readonly certsCode: CertsErrorCode | undefined;

  constructor(
    code: SessionErrorCode,
    message: string,
    options?: { readonly cause?: unknown; readonly certsCode?: CertsErrorCode },
  ) {
    super("session", code, message, options);
    this.name = "SessionError";
    this.certsCode = options?.certsCode;
  }
}

export const isSessionError = codedErrorGuard(SessionError);

/** The gRPC statuses a session failure is answered with, by name (grpc/doc/statuscodes.md). */
export type SessionStatusName =
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "UNAUTHENTICATED";

/**
 * The status each code is answered with: part of the protocol (docs/session-protocol.md §8), so
 * it lives with the codes; the gateway's status mapping and the client SDK both read it. Everything
 * about identity is UNAUTHENTICATED, so a partner learns nothing finer than "not authenticated";
 * shape errors, version and protection mismatches get the codes that tell a correct client what to
 * fix; a full replay window and a busy handshake server are UNAVAILABLE because they are transient
 * and gRPC clients may retry them.
 */
export const sessionErrorStatus: Readonly<Record<SessionErrorCode, SessionStatusName>> = {
  "no-session": "UNAUTHENTICATED",
  "bad-ticket": "UNAUTHENTICATED",
  "ticket-expired": "UNAUTHENTICATED",
  "bad-mac": "UNAUTHENTICATED",
  replay: "UNAUTHENTICATED",
  "replay-window-full": "UNAVAILABLE",
  "stale-timestamp": "UNAUTHENTICATED",
  "bad-certificate": "UNAUTHENTICATED",
  "wrong-party": "UNAUTHENTICATED",
  "bad-signature": "UNAUTHENTICATED",
  "bad-cookie": "UNAUTHENTICATED",
  "cookie-expired": "UNAUTHENTICATED",
  revoked: "UNAUTHENTICATED",
  malformed: "INVALID_ARGUMENT",
  "unsupported-version": "FAILED_PRECONDITION",
  "protection-refused": "FAILED_PRECONDITION",
  busy: "UNAVAILABLE",
  "invalid-config": "INTERNAL",
};
