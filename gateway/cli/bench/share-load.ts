// bench:share child: the load generator, province A's system. Closed loop, `concurrency` calls in
// flight over `connections` HTTP/2 connections (@hutong/wire's node:http2 channel on both paths),
// warm-up + measured seconds. hutong mode: @hutong/client's session client (a full handshake per
// connection, then every call with its own timestamp, nonce, SM4 encryption and HMAC-SM3; every
// answer MAC-checked and decrypted by the SDK) to province A's gateway. baseline mode: the same
// request bytes in clear to the first forwarder. Every answer must be OK and byte-identical to the
// first, which is decoded and checked: on hutong, the owner's record minimised to exactly the
// fields the grant releases; on the baseline, the whole record. On hutong, a call naming no grant
// must first be refused (PERMISSION_DENIED). Prints one LoadResult line.
import { performance } from "node:perf_hooks";
import {
  createSessionClient,
  createWireTransport,
  isWireError,
  loadCredentialFiles,
  type SessionClient,
} from "@hutong/client";
import { GetTicketRequest, GetTicketResponse, Purpose, Ticket, TicketServiceService } from "@hutong/proto";
import { createWireChannel, Status, type WireChannel } from "@hutong/wire";
import { childArgs, cpuNow, report, runChild } from "./share-child-runtime.js";
import type { LoadArgs, LoadResult, ShareRequestSpec } from "./share-protocol.js";
import { percentile } from "./share-stats.js";

const path = TicketServiceService.getTicket.path;

export function shareRequestBody(spec: ShareRequestSpec, grantId: string): Buffer {
  return Buffer.from(
    GetTicketRequest.encode({
      context: {
        targetParty: spec.targetParty,
        purpose: Purpose.PURPOSE_EMERGENCY,
        grantId,
        correlationId: "bench-share",
      },
      ticketNo: spec.ticketNo,
      annotate: false,
    }).finish(),
  );
}

/** Throws unless `answer` is the owner's record: minimised to `released` on hutong, whole on the baseline. */
function checkAnswer(answer: Buffer, args: LoadArgs): void {
  const ticket = GetTicketResponse.decode(answer).ticket;
  if (ticket === undefined || ticket.ticketNo !== args.request.ticketNo) {
    throw new Error(`the answer is not ticket ${args.request.ticketNo}`);
  }
  const present = Object.keys(Ticket.toJSON(ticket) as Record<string, unknown>);
  const extra = present.filter((f) => !args.request.releasedFields.includes(f));
  if (args.mode === "hutong" && (extra.length > 0 || !present.includes("passenger"))) {
    throw new Error(
      `minimisation: the answer carries ${present.join(", ")}; the grant releases only ${args.request.releasedFields.join(", ")}`,
    );
  }
  if (args.mode === "baseline" && extra.length === 0) throw new Error("the baseline's answer is not the whole record");
}

runChild(async () => {
  const args = childArgs<LoadArgs>();
  const creds = await loadCredentialFiles(args.identity);
  const channels: WireChannel[] = Array.from({ length: args.connections }, () => createWireChannel(args.target));
  const sessions: SessionClient[] = [];
  const body = shareRequestBody(args.request, args.request.grantId);
  type Send = (b: Buffer) => Promise<Buffer>;
  let senders: Send[];
  if (args.mode === "hutong") {
    for (const channel of channels) {
      const session = createSessionClient({
        transport: createWireTransport(channel),
        serverParty: args.gatewayParty,
        privateKey: creds.privateKey,
        chain: creds.chain,
        trust: creds.trust,
        crls: () => creds.crls,
      });
      await session.connect();
      sessions.push(session);
    }
    senders = sessions.map((s) => async (b) => (await s.call(path, b, { deadline: Date.now() + 30_000 })).body);
  } else {
    senders = channels.map((c) => async (b) => (await c.unary(path, b, {}, { deadline: Date.now() + 30_000 })).body);
  }
  const first = senders[0];
  if (first === undefined) throw new Error("no connections");

  // The owner's gateway must refuse the same share without a grant: the grant check is live.
  if (args.mode === "hutong") {
    const refused = await first(shareRequestBody(args.request, "")).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isWireError(refused) || refused.code !== Status.PERMISSION_DENIED) {
      throw new Error(`a share without its grant was not refused PERMISSION_DENIED: ${String(refused)}`);
    }
  }
  const expected = await first(body);
  checkAnswer(expected, args);

  let errors = 0;
  let firstError: string | undefined;
  let totalOk = 0;
  const latencies: number[] = [];
  const cpu0 = cpuNow();
  const windowStart = performance.now() + args.warmupSeconds * 1000;
  const windowEnd = windowStart + args.seconds * 1000;
  const loop = async (send: Send) => {
    while (performance.now() < windowEnd) {
      const started = performance.now();
      try {
        const answer = await send(body);
        if (!answer.equals(expected)) throw new Error("an answer differs from the first one");
        totalOk++;
        const ended = performance.now();
        if (ended >= windowStart && ended <= windowEnd) latencies.push(ended - started);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, (_, i) => loop(senders[i % senders.length] as Send)));
  const cpuUs = cpuNow() - cpu0;
  for (const s of sessions) s.close();
  for (const c of channels) c.close();
  latencies.sort((a, b) => a - b);
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  await report({
    mode: args.mode,
    requests: latencies.length,
    rps: Math.round((latencies.length / args.seconds) * 10) / 10,
    p50Ms: round3(percentile(latencies, 50)),
    p99Ms: round3(percentile(latencies, 99)),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    totalOk,
    cpuUs,
  } satisfies LoadResult);
  process.exit(0);
});
