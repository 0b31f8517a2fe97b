// What one peer may make the server hold before it has proved anything, and for how long
// (docs/gateway.md, "Limits"). Memory: request bytes of incomplete messages and response bytes the
// peer has not read, per connection and in all. Time: the HTTP/2 preface, each request message, an
// idle connection, a connection told to go away. Counts: connections per peer address and in all,
// open streams on methods that admit without a session.

/** The closed set of limits; each names a metric label and a log condition, never a peer. */
export const wireLimitNames = [
  "connections",
  "connections-per-peer",
  "unauthenticated-streams",
  "connection-buffer",
  "buffer-budget",
  "message-time",
  "preface-time",
  "idle",
  "goaway-grace",
  "rapid-reset",
] as const;
export type WireLimitName = (typeof wireLimitNames)[number];

export interface WireLimits {
  /** Largest request message; a bigger declared length is refused before any of it is read. */
  readonly maxMessageBytes: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: open streams per connection. */
  readonly maxConcurrentStreams: number;
  /** Open connections from one IP address; the next is closed at once. */
  readonly maxConnectionsPerPeer: number;
  /** Open connections in all. */
  readonly maxConnections: number;
  /** Open streams per connection on methods that need no session (handshakes, health, reflection). */
  readonly maxUnauthenticatedStreams: number;
  /** Request bytes of incomplete messages plus response bytes unread by the peer, per connection. */
  readonly maxConnectionBufferBytes: number;
  /** The same over every connection: the global memory budget for buffered messages. */
  readonly maxBufferBytes: number;
  /** From a request message's first byte (a unary call's opening) to its last. */
  readonly messageTimeoutMs: number;
  /** From a connection's opening (TLS included) to the client's HTTP/2 SETTINGS. */
  readonly prefaceTimeoutMs: number;
  /** A connection with no open stream for this long is told to go away. */
  readonly idleTimeoutMs: number;
  /** A connection told to go away (by an idle timeout, a shutdown, or a rapid reset) is closed after this. */
  readonly goawayGraceMs: number;
  /**
   * Calls a connection's client may cancel per second (RST_STREAM before the answer) before it is
   * told to go away: rapid reset (CVE-2023-44487). node's own guard stops reading such a
   * connection but leaves it open; this closes it.
   */
  readonly maxCancelsPerSecond: number;
}

export const defaultWireLimits: WireLimits = Object.freeze({
  maxMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 1000,
  maxConnectionsPerPeer: 64,
  maxConnections: 4096,
  maxUnauthenticatedStreams: 16,
  maxConnectionBufferBytes: 12 * 1024 * 1024,
  maxBufferBytes: 160 * 1024 * 1024,
  messageTimeoutMs: 15_000,
  prefaceTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  goawayGraceMs: 5_000,
  maxCancelsPerSecond: 500,
});

/** A limit was hit. `peer` is for the owner's log only; metrics and log conditions key on `limit`. */
export interface WireLimitEvent {
  readonly limit: WireLimitName;
  readonly peer: string;
}
