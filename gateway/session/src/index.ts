// The public surface of the session core, for the gRPC wiring and the client SDK.
// Encoding helpers, cookie internals and test fixtures stay internal.
export { type CallMetadata, formatCallMetadata, parseCallMetadata } from "./call-metadata.js";
export {
  type CallVerifier,
  type CallVerifierOptions,
  createCallVerifier,
  type IncomingCall,
  type ProtectedResponse,
  type ResponseStream,
  type VerifiedCall,
} from "./call-verifier.js";
// The canonical length-prefixed encoding (session-protocol.md §3), for other signed artefacts
// that must not sign protobuf bytes (annotated copies).
export { concatBytes, encodeFields, encodeList, u32be, u64be, utf8 } from "./canonical-encoding.js";
export {
  type ClientResponseStream,
  type ClientSession,
  createClientSession,
  type RelayRoute,
  type SignedRequest,
} from "./client-session.js";
export { errorCodeTrailer } from "./error-trailer.js";
export {
  type AdmissionSlot,
  createHandshakeAdmission,
  type HandshakeAdmission,
  type HandshakeAdmissionOptions,
  type RateLimit,
} from "./handshake-admission.js";
export {
  type ClientHandshake,
  createHandshakeClient,
  type EstablishedSession,
  type HandshakeClient,
  type HandshakeClientOptions,
} from "./handshake-client.js";
export {
  createHandshakeServer,
  type HandshakeContext,
  type HandshakeServer,
  type HandshakeServerOptions,
  type PlaintextRequest,
} from "./handshake-server.js";
export type { SessionKeys } from "./key-schedule.js";
export { type PeerValidation, parsePeerChain, type TrustStore, validatePeerChain } from "./peer-certificate.js";
export {
  defaultLimits,
  labels,
  metadataKeys,
  type ProtectionMode,
  protectionModeOf,
  protectionModes,
  protocolVersion,
  relayMetadataKeys,
} from "./protocol-constants.js";
export { createReplayWindow, type ReplayWindow, type ReplayWindowOptions } from "./replay-window.js";
export {
  isSessionError,
  SessionError,
  type SessionErrorCode,
  type SessionStatusName,
  sessionErrorCodes,
  sessionErrorStatus,
} from "./session-error.js";
export {
  decodeMessage,
  encodeMessage,
  finishRequest,
  finishResponse,
  helloRequest,
  helloResponse,
  sessionPaths,
} from "./session-messages.js";
export { checkSessionRevocation } from "./session-revocation.js";
export { createStreamDigest, type StreamDigest } from "./stream-digest.js";
export {
  createTicketKeyring,
  type TicketKeyring,
  type TicketKeyringOptions,
  type TicketKeySpec,
} from "./ticket-keyring.js";
export type { ClientFinish, ClientHello, ServerFinish, ServerHello } from "./transcript.js";
