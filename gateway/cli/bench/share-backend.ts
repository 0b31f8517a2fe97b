// bench:share child: the data owner's service holding the record (a grpc-js TicketService with
// province B's sample tickets), the one backend both chains end at. It answers GetTicket with the
// whole record, as a province's system does; minimising it is the owner's gateway's job. Counts
// the calls it answered ("count"), so the parent checks that every answer the load generator
// verified really came from here.
import * as grpc from "@grpc/grpc-js";
import { sampleTickets } from "@hutong/gateway/dev";
import { type GetTicketRequest, type GetTicketResponse, TicketServiceService } from "@hutong/proto";
import { childArgs, report, runChild, serveParent } from "./share-child-runtime.js";
import type { CountReport, ReadyReport } from "./share-protocol.js";

runChild(async () => {
  const { province } = childArgs<{ province: string }>();
  const tickets = new Map(sampleTickets(province).map((t) => [t.ticketNo, t]));
  let calls = 0;
  const server = new grpc.Server();
  const getTicket: grpc.handleUnaryCall<GetTicketRequest, GetTicketResponse> = (call, callback) => {
    const ticket = tickets.get(call.request.ticketNo);
    if (ticket === undefined) {
      callback({ code: grpc.status.NOT_FOUND, details: "no such ticket" });
      return;
    }
    calls++;
    callback(null, { ticket, annotation: undefined });
  };
  const m = TicketServiceService.getTicket;
  server.register(m.path, getTicket, m.responseSerialize, m.requestDeserialize, "unary");
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  serveParent(async () => void server.forceShutdown(), { count: (): CountReport => ({ calls }) });
  await report({ address: `127.0.0.1:${port}` } satisfies ReadyReport);
});
