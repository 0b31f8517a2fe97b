/**
 * Trailer naming the session error code on a refused call (e.g. "ticket-expired"),
 * so a client knows whether a new handshake can help. The codes are the closed
 * public set of docs/session-protocol.md §8; operator detail stays in logs.
 */
export const errorCodeTrailer = "hutong-error";
