import * as grpc from "@grpc/grpc-js";
import { WireError } from "@hutong/wire";
import type { TransportReply, UnaryTransport } from "./unary-transport.js";

export interface GrpcJsTransportOptions {
  /** Default: h2c (insecure), as on loopback or behind a TLS-terminating proxy. */
  readonly credentials?: grpc.ChannelCredentials;
  readonly channelOptions?: grpc.ChannelOptions;
}

const identity = (b: Buffer) => b;

/** grpc-js metadata as the SDK's string map (binary values base64). */
export function toRecord(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(md.getMap())) {
    out[key] = typeof value === "string" ? value : Buffer.from(value as Buffer).toString("base64");
  }
  return out;
}

/** The SDK's transport: grpc-js with identity (de)serializers, so the session layer sees exact bytes. */
export function createGrpcJsTransport(address: string, options: GrpcJsTransportOptions = {}): UnaryTransport {
  const client = new grpc.Client(
    address,
    options.credentials ?? grpc.credentials.createInsecure(),
    options.channelOptions ?? {},
  );
  return {
    unary(path, body, metadata, callOptions = {}) {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise<TransportReply>((resolve, reject) => {
        let response: Buffer | undefined;
        let failure: grpc.ServiceError | undefined;
        const call = client.makeUnaryRequest(
          path,
          identity,
          identity,
          body,
          md,
          callOptions.deadline === undefined ? {} : { deadline: callOptions.deadline },
          (err, value) => {
            if (err) failure = err;
            else response = value;
          },
        );
        const onAbort = { handleEvent: () => call.cancel() };
        callOptions.signal?.addEventListener("abort", onAbort);
        // grpc-js calls the callback before it emits "status"; the trailers only come with the latter.
        call.on("status", (status: grpc.StatusObject) => {
          callOptions.signal?.removeEventListener("abort", onAbort);
          const trailers = toRecord(status.metadata);
          if (failure !== undefined || response === undefined) {
            reject(new WireError(status.code as WireError["code"], status.details, { trailers, cause: failure }));
          } else {
            resolve({ body: response, trailers });
          }
        });
      });
    },
    async serverStream(path, body, metadata, onMessage, callOptions = {}) {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      const call = client.makeServerStreamRequest(
        path,
        identity,
        identity,
        body,
        md,
        callOptions.deadline === undefined ? {} : { deadline: callOptions.deadline },
      );
      const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      const onAbort = { handleEvent: () => call.cancel() };
      callOptions.signal?.addEventListener("abort", onAbort);
      let callerFailed = false;
      let callerError: unknown;
      try {
        for await (const message of call as AsyncIterable<Buffer>) {
          try {
            await onMessage(message);
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
      if (end.code !== grpc.status.OK) throw new WireError(end.code as WireError["code"], end.details, { trailers });
      return { trailers };
    },
    close() {
      client.close();
    },
  };
}
