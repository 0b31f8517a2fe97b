import type { CancelSignal, Metadata } from "@hutong/wire";

/**
 * The port the session client calls through: one unary gRPC call with exact
 * message bytes in and out. Two adapters: grpc-js (the SDK a provincial system
 * imports) and the gateway's own node:http2 channel (gateway-to-gateway hops).
 * Failures reject with WireError carrying the gRPC status.
 */
export interface TransportReply {
  readonly body: Buffer;
  readonly trailers: Metadata;
}

export interface TransportCallOptions {
  /** Absolute deadline, epoch milliseconds. */
  readonly deadline?: number;
  /** An AbortSignal, or anything else that says when the call is cancelled. */
  readonly signal?: CancelSignal;
}

export interface UnaryTransport {
  unary(path: string, body: Buffer, metadata: Metadata, options?: TransportCallOptions): Promise<TransportReply>;
  close(): void;
}
