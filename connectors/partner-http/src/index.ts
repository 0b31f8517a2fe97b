// @hutong/partner-http: what every partner channel's protocol and simulator share, so each
// channel (tax, rail, air) writes only its own paths, shapes and rules. Signed requests
// (request-signature.ts) sent by postSigned and checked by RequestAuthenticator, and a faulty
// partner server (startPartnerServer) to simulate a channel with.

export { fromBeijingText, toBeijingText } from "./beijing-time.js";
export { type EnvelopeCodes, isEnvelope, type PartnerEnvelope } from "./partner-envelope.js";
export {
  decideFault,
  defaultPartnerFaults,
  type FaultCounts,
  type FaultDecision,
  mergeFaults,
  type PartnerFaults,
  partnerFaultsSchema,
} from "./partner-faults.js";
export {
  maxBodyBytes,
  type PartnerServerOptions,
  type RunningPartnerServer,
  type ServerAnswer,
  startPartnerServer,
} from "./partner-server.js";
export {
  type AuthRefusal,
  nonceMemoryMs,
  RequestAuthenticator,
  type RequestAuthenticatorOptions,
  timestampWindowMs,
} from "./request-authenticator.js";
export { signatureMatches, signedText, signRequest } from "./request-signature.js";
export { schemaProblems } from "./schema-problems.js";
export { seededRandom } from "./seeded-random.js";
export type { SignatureHeaders } from "./signature-headers.js";
export {
  defaultTimeoutMs,
  type PartnerChannel,
  type PartnerReply,
  postSigned,
  type SignedPostOptions,
} from "./signed-client.js";
export { runSimulatorProcess, type SimulatorProcess } from "./simulator-process.js";
