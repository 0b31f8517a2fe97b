// bench:share child, the baseline's hop: a bare grpc-js pass-through forwarder. It registers the
// TicketService methods with identity (de)serializers and forwards each call's bytes and metadata
// to the next hop with a grpc-js client, passing the answer (or the error) straight back. No
// session, no checks, no audit: the least a gRPC proxy in Node can do (as bench:gateway's
// forwarder, gateway/server/bench/grpc-js-forwarder.ts).
import * as grpc from "@grpc/grpc-js";
import { TicketServiceService } from "@hutong/proto";
import { childArgs, report, runChild, serveParent } from "./share-child-runtime.js";
import type { ReadyReport } from "./share-protocol.js";

const identity = (b: Buffer) => b;

runChild(async () => {
  const { next } = childArgs<{ next: string }>();
  const client = new grpc.Client(next, grpc.credentials.createInsecure());
  const server = new grpc.Server();
  for (const { path } of Object.values(TicketServiceService)) {
    const forward: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
      client.makeUnaryRequest(path, identity, identity, call.request, call.metadata, callback);
    };
    server.register(path, forward, identity, identity, "unary");
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  serveParent(async () => {
    server.forceShutdown();
    client.close();
  });
  await report({ address: `127.0.0.1:${port}` } satisfies ReadyReport);
});
