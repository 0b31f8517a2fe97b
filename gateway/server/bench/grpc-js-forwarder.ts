// Benchmark child, the baseline: a bare grpc-js pass-through forwarder. It registers the exchange
// services' methods with identity (de)serializers and forwards each call's bytes and metadata to
// the backend with a grpc-js client, passing the answer (or the error) straight back. No session,
// no MAC, no ACL, no routing, no telemetry: the least a gRPC proxy in Node can do.
import * as grpc from "@grpc/grpc-js";
import { exchangeServices } from "../src/gateway/routes/exchange-routes.js";
import type { ListeningReport } from "./bench-protocol.js";
import { childArgs, exitWithParent, reportToParent, runChild } from "./child-runtime.js";

const identity = (b: Buffer) => b;

/** Starts the forwarder on 127.0.0.1 (any port) in front of `backend` ("host:port"). */
async function startGrpcJsForwarder(backend: string): Promise<{ address: string; close(): void }> {
  const client = new grpc.Client(backend, grpc.credentials.createInsecure());
  const server = new grpc.Server();
  for (const service of exchangeServices) {
    for (const { path } of service.methods) {
      const forward: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
        client.makeUnaryRequest(path, identity, identity, call.request, call.metadata, callback);
      };
      server.register(path, forward, identity, identity, "unary");
    }
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    close() {
      server.forceShutdown();
      client.close();
    },
  };
}

runChild(async () => {
  const { backend } = childArgs<{ backend: string }>();
  const forwarder = await startGrpcJsForwarder(backend);
  exitWithParent(async () => forwarder.close());
  await reportToParent({ address: forwarder.address } satisfies ListeningReport);
});
