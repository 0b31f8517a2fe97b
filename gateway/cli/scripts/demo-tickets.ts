// `npm run demo`, part two: e-tickets across the federation. A hub and three province gateways
// with their e-ticket services and the ministry's statistics service (in one process), a Sichuan
// station's day uploaded through its gateway, and what the federation does with it. Exits 0 only
// if every step gets the outcome the contract, the lifecycle and the ACLs call for.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWireError } from "@hutong/client";
import {
  EventOutcome,
  Purpose,
  type TicketEvent,
  TicketEventKind,
  TicketEventServiceService,
  TicketStatisticsServiceService,
} from "@hutong/proto";
import { simulateStationDay, sqliteDatabase } from "@hutong/ticketing";
import { reconciliationParty, startTicketFederation, statisticsParty, ticketingParty } from "@hutong/ticketing/dev";
import { statusName } from "@hutong/wire";

const dir = await mkdtemp(join(tmpdir(), "hutong-demo-tickets-"));
console.log("hutong demo, part two: e-tickets across the federation");
const fed = await startTicketFederation(dir, { stationsPerProvince: 4 });
console.log(
  `  hub (mot) on 127.0.0.1:${fed.hub.address.port}, statistics service mot/statistics on ${fed.ministry.address}`,
);
for (const p of fed.provinces.values()) {
  console.log(
    `  ${p.party} gateway on 127.0.0.1:${p.gateway.address.port}, e-ticket service ${p.service} on ${p.serviceAddress}`,
  );
}
console.log("");

let failures = 0;
async function step<T>(title: string, expect: string, run: () => Promise<T>, show: (r: T) => string): Promise<void> {
  console.log(`● ${title}`);
  let outcome: string;
  let detail: string;
  try {
    const r = await run();
    outcome = "OK";
    detail = show(r);
  } catch (e) {
    if (!isWireError(e)) throw e;
    outcome = statusName(e.code);
    detail = e.message;
  }
  const ok = outcome === expect;
  if (!ok) failures++;
  console.log(`    result  ${outcome}: ${detail}   ${ok ? "✓ as expected" : `✗ expected ${expect}`}\n`);
}
const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(what);
};

try {
  const sichuan = fed.provinces.get("510000");
  const guangdong = fed.provinces.get("440000");
  check(sichuan !== undefined && guangdong !== undefined, "the federation lacks a province");
  if (sichuan === undefined || guangdong === undefined) process.exit(1);
  const day = simulateStationDay(sichuan.registry, sichuan.party, "2026-12-04", 400, 4);
  const bySource = new Map<string, TicketEvent[]>();
  for (const e of day.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  // The station with the most tickets to Guangdong today.
  const toGuangdong = (es: readonly TicketEvent[]) =>
    es.filter((e) => e.ticket?.alightStation?.code.startsWith("44")).length;
  const [source, events] = [...bySource].sort((a, b) => toGuangdong(b[1]) - toGuangdong(a[1]))[0] as [
    string,
    TicketEvent[],
  ];
  const station = await fed.client(source);
  const target = (party: string, purpose = Purpose.PURPOSE_REGULATORY_SUPERVISION) => ({
    targetParty: party,
    purpose,
    grantId: "",
    correlationId: "",
  });
  const upload = (batch: readonly TicketEvent[]) =>
    station.unary(TicketEventServiceService.uploadTicketEvents, {
      context: target(sichuan.service),
      source,
      events: [...batch],
    });

  await step(
    `station ${source} uploads its day (${events.length} events: sales, checks, refunds, changes) through its gateway`,
    "OK",
    () => upload(events),
    (r) => {
      const applied = r.results.filter((x) => x.outcome === EventOutcome.EVENT_OUTCOME_APPLIED).length;
      check(applied === events.length, `${applied} of ${events.length} applied`);
      return `${applied} applied in one transaction, cursor at ${r.ackedSeq}`;
    },
  );
  const checked = events.find((e) => e.kind === TicketEventKind.TICKET_EVENT_KIND_CHECK) as TicketEvent;
  await step(
    "the station reports a refund of a ticket already boarded: the lifecycle refuses that event, the cursor moves past it",
    "OK",
    () =>
      upload([
        {
          ...checked,
          kind: TicketEventKind.TICKET_EVENT_KIND_REFUND,
          sourceSeq: BigInt(events.length + 1),
          idempotencyKey: `${source}:late-refund`,
        },
      ]),
    (r) => {
      const x = r.results[0];
      check(x?.outcome === EventOutcome.EVENT_OUTCOME_REFUSED && x.code === "FAILED_PRECONDITION", "not refused");
      return `${x?.code}: ${x?.reason}; cursor ${r.ackedSeq}`;
    },
  );
  await step(
    "the station reconnects and resends its first 50 events: recognised, nothing applied twice",
    "OK",
    () => upload(events.slice(0, 50)),
    (r) => {
      const dup = r.results.filter((x) => x.outcome === EventOutcome.EVENT_OUTCOME_DUPLICATE).length;
      check(dup === 50, `${dup} duplicates`);
      return `${dup} duplicates, cursor still ${r.ackedSeq}`;
    },
  );
  await step(
    "a batch that skips ahead is refused whole (a gap); Ping tells the station where it stands",
    "FAILED_PRECONDITION",
    () => upload([{ ...(events[0] as TicketEvent), sourceSeq: 10_000n, idempotencyKey: `${source}:ahead` }]),
    () => "",
  );
  await fed.flush();
  const guangdongDb = sqliteDatabase(guangdong.store);
  const copies = guangdongDb.prepare("SELECT count(*) FROM received_ticket").pluck().get() as number;
  await step(
    "Guangdong's e-ticket service holds the Sichuan tickets whose route reaches Guangdong, without the passenger",
    "OK",
    async () => {
      const row = guangdongDb.prepare("SELECT ticket_no FROM received_ticket LIMIT 1").pluck().get() as
        | string
        | undefined;
      const got =
        row === undefined ? undefined : guangdongDb.prepare("SELECT count(*) FROM received_event").pluck().get();
      return { copies, row, got, mine: await sichuan.store.ticket(row ?? "") };
    },
    (r) => {
      check(r.copies > 0, "no copies");
      check(r.mine?.passenger !== undefined, "Sichuan keeps the passenger");
      return `${r.copies} tickets, ${r.got} events applied once each, in order; delivered through Sichuan's gateway, the hub and Guangdong's (each audited); the operational view carries no passenger`;
    },
  );
  await step(
    "a station system tries to deliver events to Guangdong itself: its own gateway refuses (ACL) and audits the refusal",
    "PERMISSION_DENIED",
    () =>
      station.unary(TicketEventServiceService.deliverTicketEvents, { context: target(guangdong.service), events: [] }),
    () => "",
  );
  const mot = await fed.client(reconciliationParty);
  await step(
    "the ministry asks for Sichuan's e-ticket indicators for December (notice of 2022-04, §6), through the hub",
    "OK",
    () =>
      mot.unary(TicketStatisticsServiceService.queryTicketIndicators, {
        context: target(statisticsParty),
        period: "2026-12",
        province: sichuan.service,
      }),
    (r) => {
      const i = r.indicators[0];
      check(i !== undefined && i.ticketsSold > 0, "no indicators");
      return `tickets sold ${i?.ticketsSold}, e-tickets ${i?.eTicketsSold} (${((i?.eTicketShareBp ?? 0) / 100).toFixed(2)}%), grade-2+ stations ${i?.grade2StationsETicket}/${i?.grade2Stations} with e-tickets, customised routes ${i?.customisedRoutesETicket}/${i?.customisedRoutes}`;
    },
  );
  const stationCode = source.split("station-")[1] ?? "";
  const side = await fed.ministry.store.stationDay(stationCode, "2026-12-04");
  const changed = side[0];
  if (changed !== undefined) changed.fareFen += 100n;
  await step(
    `the ministry reconciles station ${stationCode}'s day with Sichuan (JT/T 979.4), its copy of one fare off by 1 yuan`,
    "OK",
    () =>
      mot.unary(TicketEventServiceService.reconcileDaily, {
        context: target(sichuan.service, Purpose.PURPOSE_RECONCILIATION),
        stationCode,
        day: "2026-12-04",
        entries: side,
      }),
    (r) => {
      check(
        r.differences.length === 1 && r.differences[0]?.ticketNo === changed?.ticketNo,
        "not exactly the planted difference",
      );
      return `${r.owner?.tickets} tickets on both sides, fares ${r.owner?.fareFen} vs ${r.caller?.fareFen} fen; differs: ${r.differences[0]?.ticketNo}`;
    },
  );
  await step(
    "the ministry pings Sichuan's e-ticket service through the hub (JT/T 979.4 connectivity test)",
    "OK",
    () => mot.unary(TicketEventServiceService.ping, { context: target(sichuan.service), nonce: "demo", source: "" }),
    (r) => `${r.party} answered; it has applied ${r.lastSeq} events`,
  );
  const audit = await sichuan.gateway.store.query({ party: sichuan.service, pageSize: 1000 });
  console.log(
    `Sichuan's gateway audited ${audit.entries.filter((e) => e.ownerParty === ticketingParty("440000")).length} deliveries to Guangdong and ` +
      `${audit.entries.filter((e) => e.ownerParty === statisticsParty).length} reports to the ministry; none holds a name or an ID number.\n`,
  );
} finally {
  await fed.close();
  await rm(dir, { recursive: true, force: true });
}
console.log(
  failures === 0 ? "demo (e-tickets): all steps as expected" : `demo (e-tickets): ${failures} step(s) not as expected`,
);
process.exit(failures === 0 ? 0 : 1);
