/**
 * Every label string, size and default limit of hutong session protocol v1 (revision 3),
 * in one place so the code and docs/session-protocol.md cannot disagree
 * silently (the worked-example test recomputes everything from these).
 */
export const protocolVersion = 1;

/**
 * Domain-separation labels (ASCII), byte-exact as docs/session-protocol.md §2
 * lists them (a test compares that table with this object). The `\0` some of them
 * end in is part of the label; nothing else is ever appended to a label. Each label
 * is used in exactly one construction, always followed by the same fixed structure,
 * so no input of one construction is an input of another.
 */
export const labels = {
  serverSignature: "hutong/v1 server signature\0",
  clientSignature: "hutong/v1 client signature\0",
  master: "hutong/v1 master",
  c2sMac: "hutong/v1 c2s mac",
  s2cMac: "hutong/v1 s2c mac",
  c2sEnc: "hutong/v1 c2s enc",
  s2cEnc: "hutong/v1 s2c enc",
  serverFinished: "hutong/v1 server finished",
  request: "hutong/v1 request\0",
  response: "hutong/v1 response\0",
  route: "hutong/v1 route\0",
  cookieAad: "hutong/v1 cookie",
  ticketAad: "hutong/v1 ticket",
} as const;

/** Fixed sizes in bytes. */
export const sizes = {
  random: 32,
  ephemeralPoint: 65,
  nonce: 16,
  sessionId: 16,
  mac: 32,
  hash: 32,
  key: 32,
  /** An SM4 key (the per-direction encryption keys). */
  encKey: 16,
} as const;

/**
 * How a session's call messages travel, as the Protection enum of session.proto numbers them and
 * the transcript encodes them (one byte, docs/session-protocol.md §4, §6.3). The client chooses;
 * the server accepts or refuses (`protection-refused`), never picks another.
 */
export const protectionModes = {
  /** In clear, authenticated by the call MACs only: only where the server's config allows it. */
  plaintext: 1,
  /** SM4-CTR under the per-direction encryption keys, then the call MACs over the ciphertext. */
  sm4: 2,
} as const;

export type ProtectionMode = keyof typeof protectionModes;

/** The mode of a wire value, or undefined for 0 (absent) and any value this implementation does not know. */
export function protectionModeOf(value: number | undefined): ProtectionMode | undefined {
  if (value === protectionModes.plaintext) return "plaintext";
  if (value === protectionModes.sm4) return "sm4";
  return undefined;
}

/** gRPC metadata keys of a call (ASCII values, see docs/session-protocol.md §6). */
export const metadataKeys = {
  ticket: "hutong-ticket",
  timestamp: "hutong-ts",
  nonce: "hutong-nonce",
  mac: "hutong-mac",
} as const;

/**
 * Metadata a gateway adds when it relays a call to a peer gateway: who the call
 * originally came from and which gateways it has crossed, bound to the request
 * by a route MAC so nobody on the link can rewrite them (docs/session-protocol.md §6.1).
 */
export const relayMetadataKeys = {
  origin: "hutong-origin",
  hops: "hutong-hops",
  routeMac: "hutong-route-mac",
} as const;

/** Defaults; each can be overridden where the factory takes options. */
export const defaultLimits = {
  /** Largest accepted |server clock − request timestamp|. */
  clockSkewMs: 30_000,
  /** How long a half-open handshake (the cookie) stays usable. */
  cookieLifetimeMs: 30_000,
  /** Ticket lifetime; never beyond the client certificate's notAfter. */
  ticketLifetimeMs: 3_600_000,
  /** The client SDK re-handshakes this long before the ticket expires. */
  rehandshakeMarginMs: 60_000,
  /** Hard cap on remembered (session, nonce) pairs across all sessions. */
  replayWindowMaxEntries: 1_000_000,
  /** Hard cap per session, so one session cannot fill the window for all. */
  replayWindowMaxEntriesPerSession: 200_000,
  /** Longest certificate chain accepted in a hello. */
  maxChainLength: 8,
  /** Largest DER certificate accepted in a hello. */
  maxCertificateBytes: 16_384,
  /** Longest party id (UTF-8 bytes) accepted as a target. */
  maxPartyIdBytes: 256,
  /** Longest method name (UTF-8 bytes) accepted in a MAC. */
  maxMethodBytes: 1_024,
} as const;
