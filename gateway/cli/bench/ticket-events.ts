// npm run bench:events — ticket events per second from the selling province into the other
// province's e-ticket service, durable at the receiver (SQLite, synchronous = FULL, through the
// inbox) and audited at every gateway on the way (Sichuan's, the hub's, Guangdong's), against the
// same batches sent by a bare grpc-js client straight to that service in the same run. Every
// gateway and service is its own process (as deployed); the client is this process. Alternating
// rounds, medians; events counted in the receiver's database. Last line: one JSON object
// (docs/benchmarks.md, "bench:events").
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import {
  type DeliveredTicketEvent,
  type DeliverTicketEventsRequest,
  Purpose,
  TicketEventServiceService,
} from "@hutong/proto";
import { deliveryFields, projectTicket, simulateStationDay, sqliteStorePath } from "@hutong/ticketing";
import { devClient, planTicketFederation } from "@hutong/ticketing/dev";
import Database from "better-sqlite3";
import { startPlannedProcesses } from "../src/scenario/ticket-processes.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const eventsPerRun = arg("events", 20_000);
const batch = arg("batch", 200);
const inFlight = arg("concurrency", 4);
const rounds = arg("rounds", 5);

const dir = await mkdtemp(join(tmpdir(), "hutong-bench-events-"));
const { plan, fed } = await startPlannedProcesses(() =>
  planTicketFederation(dir, { provinces: ["510000", "440000"], stationsPerProvince: 6 }),
);
const province = (code: string) => {
  const p = plan.provinces.get(code);
  if (p === undefined) throw new Error(`the plan lacks ${code}`);
  return p;
};
const sichuan = province("510000");
const guangdong = province("440000");
const owner = sichuan.service;
const fields = deliveryFields(Purpose.PURPOSE_REGULATORY_SUPERVISION);

/** One run's batches: fresh keys and ticket numbers, so every event is applied, none a duplicate. */
function batches(tag: string): DeliverTicketEventsRequest[] {
  const day = simulateStationDay(
    sichuan.registry,
    sichuan.party,
    "2026-12-04",
    Math.ceil(eventsPerRun / 1.8),
    tag.charCodeAt(0) * 31 + tag.length,
  );
  const versions = new Map<string, number>();
  const events: DeliveredTicketEvent[] = day.events.slice(0, eventsPerRun).map((e, i) => {
    const ticketNo = `${e.ticket?.ticketNo ?? ""}${tag}`;
    const version = (versions.get(ticketNo) ?? 0) + 1;
    versions.set(ticketNo, version);
    return {
      idempotencyKey: `${owner}#${tag}#${i}`,
      owner,
      ownerSeq: BigInt(i + 1),
      ticketVersion: version,
      kind: e.kind,
      occurredAt: e.occurredAt,
      ticket: projectTicket({ ...(e.ticket as NonNullable<typeof e.ticket>), ticketNo }, fields),
      refundFeeFen: e.refundFeeFen,
      station: e.station,
    };
  });
  if (events.length < eventsPerRun)
    throw new Error(`the simulated day gave ${events.length} events, fewer than ${eventsPerRun}`);
  const out: DeliverTicketEventsRequest[] = [];
  for (let i = 0; i < events.length; i += batch) {
    out.push({
      context: {
        targetParty: guangdong.service,
        purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
        grantId: "",
        correlationId: "",
      },
      events: events.slice(i, i + batch),
    });
  }
  return out;
}

async function closedLoop(
  requests: readonly DeliverTicketEventsRequest[],
  send: (r: DeliverTicketEventsRequest) => Promise<number>,
) {
  let next = 0;
  let answered = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests.length) {
        const r = requests[next++] as DeliverTicketEventsRequest;
        const n = await send(r);
        answered += n;
      }
    }),
  );
  return { answered, seconds: (performance.now() - start) / 1000 };
}

// Through the gateways: Sichuan's e-ticket service's identity, its own gateway.
const client = await devClient(plan.pki, owner, sichuan.gatewayPort, sichuan.party);
const viaGateways = (r: DeliverTicketEventsRequest) =>
  client
    .unary(TicketEventServiceService.deliverTicketEvents, r, { deadline: Date.now() + 60_000 })
    .then((x) => x.applied);

// The baseline: a bare grpc-js client straight to Guangdong's service, naming its origin as the
// gateway would.
const Direct = grpc.makeGenericClientConstructor(TicketEventServiceService, "hutong.v1.TicketEventService");
const direct = new Direct(
  `127.0.0.1:${guangdong.servicePort}`,
  grpc.credentials.createInsecure(),
) as unknown as grpc.Client & {
  deliverTicketEvents(
    r: DeliverTicketEventsRequest,
    m: grpc.Metadata,
    cb: (e: grpc.ServiceError | null, res?: { applied: number }) => void,
  ): void;
};
const origin = new grpc.Metadata();
origin.set("hutong-origin", owner);
const bare = (r: DeliverTicketEventsRequest) =>
  new Promise<number>((resolve, reject) =>
    direct.deliverTicketEvents(r, origin, (e, res) => (e === null ? resolve(res?.applied ?? 0) : reject(e))),
  );

const receiver = new Database(sqliteStorePath(plan.provinceServiceConfig("440000").store), { readonly: true });
const landed = () => receiver.prepare("SELECT count(*) FROM received_event").pluck().get() as number;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

console.log(
  `bench:events — ${eventsPerRun} events per run in batches of ${batch}, ${inFlight} in flight, ${rounds} rounds; ` +
    `${cpus().length} cpus, load ${loadavg()[0]?.toFixed(2)}`,
);
let result: Record<string, number> | undefined;
try {
  await closedLoop(batches("w").slice(0, 5), viaGateways);
  await closedLoop(batches("x").slice(0, 5), bare);
  const rates = { gateway: [] as number[], bare: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const path of round % 2 === 0 ? (["gateway", "bare"] as const) : (["bare", "gateway"] as const)) {
      const requests = batches(`${path[0]}${round}`);
      const before = landed();
      const r = await closedLoop(requests, path === "gateway" ? viaGateways : bare);
      const n = landed() - before;
      if (n !== eventsPerRun || r.answered !== n)
        throw new Error(`${path} round ${round}: ${n} events landed, the answers said ${r.answered}`);
      rates[path].push(n / r.seconds);
      console.log(
        `  round ${round} ${path.padEnd(8)} ${(n / r.seconds).toFixed(0).padStart(7)} events/s  (${n} in ${r.seconds.toFixed(2)} s)`,
      );
    }
  }
  const events = median(rates.gateway);
  const baseline = median(rates.bare);
  result = {
    events_per_s: Math.round(events),
    baseline_events_per_s: Math.round(baseline),
    ratio: Math.round((events / baseline) * 1000) / 1000,
  };
} finally {
  receiver.close();
  direct.close();
  client.close();
  await fed.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
