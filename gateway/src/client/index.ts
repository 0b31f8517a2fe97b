// The client SDK (@hutong/gateway/client): what a provincial system or partner imports.

export { type CredentialFiles, type Credentials, loadCredentialFiles } from "../pki-files/credential-files.js";
export { type CrlSource, createCrlFileSource } from "../pki-files/crl-file-source.js";
export { Status, type StatusCode } from "../wire/grpc-status.js";
export type { Metadata } from "../wire/metadata.js";
export { isWireError, WireError } from "../wire/wire-error.js";
export { createGrpcJsTransport, type GrpcJsTransportOptions } from "./grpc-js-transport.js";
export {
  createHutongClient,
  type HutongClient,
  type HutongClientOptions,
  type UnaryMethod,
  type UnaryOptions,
} from "./hutong-client.js";
export {
  createSessionClient,
  type SessionCallOptions,
  type SessionClient,
  type SessionClientOptions,
} from "./session-client.js";
export type { TransportCallOptions, TransportReply, UnaryTransport } from "./unary-transport.js";
