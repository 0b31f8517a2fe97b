// @hutong/wire: gRPC over node:http2, with no dependency of ours or anyone's. The server and the
// channel move exact message bytes (the session layer MACs them), so neither decodes protobuf.

export type { CancelListener, CancelSignal } from "./cancel-signal.js";
export { decodeGrpcMessage, encodeGrpcMessage } from "./grpc-message.js";
export { isStatusCode, Status, type StatusCode, statusName } from "./grpc-status.js";
export { formatGrpcTimeout, parseGrpcTimeout } from "./grpc-timeout.js";
export { frameHeaderBytes, frameMessage, MessageDecoder, type MessageSink } from "./message-framing.js";
export { isReservedHeader, type Metadata } from "./metadata.js";
export {
  type CallOptions,
  createWireChannel,
  type UnaryResult,
  type WireChannel,
  type WireChannelOptions,
} from "./wire-channel.js";
export { type ChannelFailure, isWireError, WireError } from "./wire-error.js";
export {
  defaultWireLimits,
  type WireLimitEvent,
  type WireLimitName,
  type WireLimits,
  wireLimitNames,
} from "./wire-limits.js";
export {
  type AdmissionCall,
  type CallEndInfo,
  createWireServer,
  type Route,
  type StreamCall,
  type StreamHandler,
  type UnaryCall,
  type UnaryHandler,
  type UnaryReply,
  type WireServer,
  type WireServerOptions,
} from "./wire-server.js";
