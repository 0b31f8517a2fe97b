// The client SDK (@hutong/client): what a provincial system or partner imports.

export type { Metadata } from "@hutong/wire";
export { isWireError, Status, type StatusCode, WireError } from "@hutong/wire";
export {
  type AnnotatedCopyVerdict,
  type AnnotatedCopyVerification,
  type AnnotationFields,
  type AnnotationProblem,
  annotationProblems,
  annotationSigningBytes,
  annotationSigningLabel,
  defaultAnnotationClockSkewMs,
  type VerifiedAnnotation,
  verifyAnnotatedCopy,
} from "./annotated-copy.js";
export {
  type AnnotatedCopy,
  type AnnotatedCopyFile,
  annotatedCopyFile,
  annotatedCopyFileOf,
  annotatedCopyFormat,
  annotatedCopyOf,
  annotatedRecordId,
  parseAnnotatedCopyFile,
} from "./annotated-copy-file.js";
export { ClientError, type ClientErrorCode, clientErrorCodes, isClientError } from "./client-error.js";
export { type ClientProfile, parseClientProfile, readClientProfile } from "./client-profile.js";
export { type CredentialFiles, type Credentials, loadCredentialFiles } from "./credential-files.js";
export { type CrlSource, createCrlFileSource } from "./crl-file-source.js";
export { createGrpcJsTransport, type GrpcJsTransportOptions } from "./grpc-js-transport.js";
export {
  createHutongClient,
  type HutongClient,
  type HutongClientOptions,
  type UnaryMethod,
  type UnaryOptions,
} from "./hutong-client.js";
export {
  createStreamingHutongClient,
  type ServerStreamReply,
  type StreamingHutongClient,
} from "./server-stream.js";
export {
  createSessionClient,
  type SessionCallOptions,
  type SessionClient,
  type SessionClientOptions,
  type SessionStreamReply,
} from "./session-client.js";
export type { TransportCallOptions, TransportReply, UnaryTransport } from "./unary-transport.js";
export { createWireTransport } from "./wire-transport.js";
