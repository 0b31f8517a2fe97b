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
  /**
   * One server-streaming call (one request message), where the transport has them: each response
   * message goes to `onMessage` in order, the next read only once its promise settles; resolves
   * with the trailers of an OK end, rejects with WireError otherwise, or with onMessage's own
   * error (the call cancelled).
   */
  serverStream?(
    path: string,
    body: Buffer,
    metadata: Metadata,
    onMessage: (message: Buffer) => void | Promise<void>,
    options?: TransportCallOptions,
  ): Promise<{ readonly trailers: Metadata }>;
  close(): void;
}
