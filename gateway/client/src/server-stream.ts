import * as grpc from "@grpc/grpc-js";
import { createStreamDigest } from "@hutong/session";
import { type Metadata, Status, WireError } from "@hutong/wire";
import { createGrpcJsTransport, toRecord } from "./grpc-js-transport.js";
import type { HutongClient, HutongClientOptions, UnaryOptions } from "./hutong-client.js";
import { createSessionClient } from "./session-client.js";
import type { TransportCallOptions, TransportReply, UnaryTransport } from "./unary-transport.js";

export interface ServerStreamReply {
  /** Response messages delivered to onMessage. */
  readonly messages: number;
  readonly trailers: Metadata;
}

export interface StreamingHutongClient extends HutongClient {
  /**
   * Calls a server-streaming method with these exact request bytes. Each
   * response message goes to `onMessage`, in order; the next is read only once
   * its promise settles (backpressure). Resolves once the trailers' MAC has
   * authenticated the whole stream; rejects with WireError otherwise (the
   * messages already delivered must then be discarded), or with onMessage's
   * own error (the call is cancelled). One stream at a time per client: a
   * second call waits for the first.
   */
  serverStream(
    path: string,
    request: Buffer,
    onMessage: (message: Buffer) => void | Promise<void>,
    options?: UnaryOptions,
  ): Promise<ServerStreamReply>;
}

const identity = (b: Buffer) => b;

interface ActiveStream {
  readonly path: string;
  readonly onMessage: (message: Buffer) => void | Promise<void>;
  delivered: number;
}

/**
 * The SDK client of hutong-client.ts plus serverStream(). The session client
 * only knows unary transports, so the stream hides behind one: while a stream
 * is active, the transport runs a call on its path as a grpc-js server stream,
 * feeds the messages to the caller and answers the session client with the
 * stream digest as the response body, which the session client then checks
 * against hutong-mac exactly as it checks a unary answer.
 */
export function createStreamingHutongClient(options: HutongClientOptions): StreamingHutongClient {
  const credentials = options.credentials ?? grpc.credentials.createInsecure();
  const unaryTransport = createGrpcJsTransport(options.address, { credentials });
  // grpc-js pools subchannels by target and options, so this shares the unary transport's connection.
  const streams = new grpc.Client(options.address, credentials, {});
  let active: ActiveStream | undefined;

  async function streamCall(
    stream: ActiveStream,
    body: Buffer,
    metadata: Metadata,
    callOptions: TransportCallOptions,
  ): Promise<TransportReply> {
    // The session client retries once after a refused ticket; a refusal comes before any message,
    // and a stream that delivered messages must never be silently started again.
    if (stream.delivered > 0) throw new WireError(Status.INTERNAL, "a stream that delivered messages was retried");
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    const call = streams.makeServerStreamRequest(
      stream.path,
      identity,
      identity,
      body,
      md,
      callOptions.deadline === undefined ? {} : { deadline: callOptions.deadline },
    );
    const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    const onAbort = { handleEvent: () => call.cancel() };
    callOptions.signal?.addEventListener("abort", onAbort);
    const digest = createStreamDigest();
    let callerFailed = false;
    let callerError: unknown;
    try {
      for await (const message of call as AsyncIterable<Buffer>) {
        digest.update(message);
        stream.delivered += 1;
        try {
          await stream.onMessage(message);
        } catch (e) {
          callerFailed = true;
          callerError = e;
          call.cancel();
          break;
        }
      }
    } catch {
      // A non-OK status: grpc-js emits "error", then "status" with the trailers (read below).
    } finally {
      callOptions.signal?.removeEventListener("abort", onAbort);
    }
    if (callerFailed) throw callerError;
    const end = await status;
    const trailers = toRecord(end.metadata);
    if (end.code !== Status.OK) throw new WireError(end.code as WireError["code"], end.details, { trailers });
    return { body: Buffer.from(digest.digest()), trailers };
  }

  const transport: UnaryTransport = {
    unary(path, body, metadata, callOptions = {}) {
      if (active !== undefined && active.path === path) return streamCall(active, body, metadata, callOptions);
      return unaryTransport.unary(path, body, metadata, callOptions);
    },
    close() {
      unaryTransport.close();
      streams.close();
    },
  };
  const session = createSessionClient({
    transport,
    serverParty: options.gatewayParty,
    privateKey: options.privateKey,
    chain: options.chain,
    trust: options.trust,
    crls: options.crls,
  });

  let queue: Promise<unknown> = Promise.resolve();
  return {
    session,
    async unary(method, request, callOptions = {}) {
      const reply = await session.call(method.path, method.requestSerialize(request), callOptions);
      return method.responseDeserialize(reply.body);
    },
    serverStream(path, request, onMessage, callOptions = {}) {
      const run = queue.then(async () => {
        const stream: ActiveStream = { path, onMessage, delivered: 0 };
        active = stream;
        try {
          const reply = await session.call(path, request, callOptions);
          return { messages: stream.delivered, trailers: reply.trailers };
        } finally {
          active = undefined;
        }
      });
      queue = run.catch(() => {});
      return run;
    },
    close: () => session.close(),
  };
}
