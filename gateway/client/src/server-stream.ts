import { createGrpcJsTransport } from "./grpc-js-transport.js";
import type { HutongClient, HutongClientOptions, UnaryOptions } from "./hutong-client.js";
import { createSessionClient, type SessionStreamReply } from "./session-client.js";

export type ServerStreamReply = SessionStreamReply;

export interface StreamingHutongClient extends HutongClient {
  /**
   * Calls a server-streaming method with this request message (in clear; the session encrypts
   * it). Each response message goes to `onMessage` in clear, in order; the next is read only once
   * its promise settles (backpressure). Resolves once the trailers' MAC has authenticated the whole
   * stream; rejects with WireError otherwise (the messages already delivered must then be
   * discarded), or with onMessage's own error (the call is cancelled).
   */
  serverStream(
    path: string,
    request: Buffer,
    onMessage: (message: Buffer) => void | Promise<void>,
    options?: UnaryOptions,
  ): Promise<ServerStreamReply>;
}

/** The SDK client of hutong-client.ts plus serverStream(), over the grpc-js transport's server streams. */
export function createStreamingHutongClient(options: HutongClientOptions): StreamingHutongClient {
  const transport = createGrpcJsTransport(
    options.address,
    options.credentials === undefined ? {} : { credentials: options.credentials },
  );
  const session = createSessionClient({
    transport,
    serverParty: options.gatewayParty,
    privateKey: options.privateKey,
    chain: options.chain,
    trust: options.trust,
    crls: options.crls,
    ...(options.protection === undefined ? {} : { protection: options.protection }),
  });
  return {
    session,
    async unary(method, request, callOptions = {}) {
      const reply = await session.call(method.path, method.requestSerialize(request), callOptions);
      return method.responseDeserialize(reply.body);
    },
    serverStream: (path, request, onMessage, callOptions = {}) => session.stream(path, request, onMessage, callOptions),
    close: () => session.close(),
  };
}
