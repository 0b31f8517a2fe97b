import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isWireError, Status } from "@hutong/client";
import {
  EventOutcome,
  Purpose,
  ReconcileDifferenceKind,
  type TicketEvent,
  TicketEventKind,
  TicketEventServiceService,
  TicketStatisticsServiceService,
} from "@hutong/proto";
import { simulateStationDay } from "../station/station-day.js";
import { uploadStationEvents } from "../station/station-uploader.js";
import { computeIndicators } from "../statistics/indicators.js";
import { ticketSealer } from "../store/port/ticket-seal.js";
import { dropSchemas, postgresSkip, postgresUrl, randomSchemaName, storeRows, storeValue } from "../testing.js";
import {
  startTicketFederation,
  statisticsParty,
  type TicketFederation,
  type TicketFederationOptions,
  ticketingParty,
} from "./ticket-federation.js";

const day = "2026-12-04";
const ctx = (targetParty: string, purpose = Purpose.PURPOSE_REGULATORY_SUPERVISION) => ({
  targetParty,
  purpose,
  grantId: "",
  correlationId: "",
});

async function statusOf(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isWireError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  return { code: Status.OK, message: "" };
}

// The whole federation once with the services' stores on SQLite (the default), and once on
// PostgreSQL (each service its own schema) when HUTONG_TEST_POSTGRES_URL is set.
interface Variant {
  readonly name: string;
  readonly skip: string | false;
  readonly store: () => NonNullable<TicketFederationOptions["store"]>;
}
const variants: readonly Variant[] = [
  { name: "SQLite", skip: false, store: () => "sqlite" },
  {
    name: "PostgreSQL",
    skip: postgresSkip,
    store: () => ({ postgres: { url: postgresUrl ?? "", schemaPrefix: randomSchemaName() } }),
  },
];

const federationSpec = (variant: Variant) => () => {
  let dir: string;
  let fed: TicketFederation;
  let sichuanDay: ReturnType<typeof simulateStationDay>;
  const bySource = new Map<string, TicketEvent[]>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-tickets-"));
    fed = await startTicketFederation(dir, { stationsPerProvince: 4, store: variant.store() });
    const sichuan = fed.provinces.get("510000");
    assert.ok(sichuan);
    sichuanDay = simulateStationDay(sichuan.registry, sichuan.party, day, 150, 7);
    for (const e of sichuanDay.events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    await Promise.all(
      [...bySource].map(async ([source, events]) => {
        const client = await fed.client(source);
        const r = await uploadStationEvents(client, ticketingParty("510000"), source, events, { batch: 40 });
        assert.equal(r.ackedSeq, BigInt(events.length));
      }),
    );
    await fed.flush();
  });
  after(async () => {
    await fed?.close();
    await dropSchemas(fed?.plan.postgresSchemas ?? []);
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every station event once, and delivers each cross-province one exactly once, in order, without personal fields", async () => {
    const sichuan = fed.provinces.get("510000");
    assert.ok(sichuan);
    const applied = await storeValue(sichuan.store, "SELECT count(*) FROM event_log");
    assert.equal(applied, sichuanDay.events.length);
    let crossProvince = 0;
    for (const code of ["440000", "310000"]) {
      const node = fed.provinces.get(code);
      assert.ok(node);
      const sent: unknown[] = (
        await storeRows(
          sichuan.store,
          "SELECT seq FROM emission WHERE destination = ? AND form = 'event' ORDER BY seq",
          [ticketingParty(code)],
        )
      ).map((r) => r.seq);
      const received = (await storeRows(
        node.store,
        "SELECT owner_seq, applications, in_order FROM received_event ORDER BY owner_seq",
      )) as { owner_seq: number; applications: number; in_order: number }[];
      assert.deepEqual(
        received.map((r) => r.owner_seq),
        sent,
        `every event for ${code} arrived, none other`,
      );
      assert.ok(received.every((r) => r.applications === 1 && r.in_order === 1));
      crossProvince += sent.length;
      // The operational view: every copy, opened with the receiver's own seal key, carries no
      // passenger, buyer, order or invoice number, and keeps the trip.
      const opener = ticketSealer(
        Buffer.from((await readFile(fed.plan.provinceServiceConfig(code).sealKeyFile, "utf8")).trim(), "hex"),
      );
      const copies = (await storeRows(node.store, "SELECT ticket_no, sealed FROM received_ticket")) as {
        ticket_no: string;
        sealed: Uint8Array;
      }[];
      assert.ok(copies.length > 0 || sent.length === 0);
      for (const c of copies) {
        const t = opener.open(c.ticket_no, c.sealed);
        assert.equal(t.passenger, undefined, c.ticket_no);
        assert.equal(t.buyer, undefined, c.ticket_no);
        assert.deepEqual([t.orderNo, t.invoiceNo], ["", ""], c.ticket_no);
        assert.notEqual(t.scheduleNo, "", c.ticket_no);
        assert.ok(t.fareFen > 0n, c.ticket_no);
      }
    }
    assert.ok(crossProvince > 0, "the simulated day has cross-province schedules");
    const outboxLeft = await storeValue(sichuan.store, "SELECT count(*) FROM outbox_message");
    assert.equal(outboxLeft, 0);
  });

  it("keeps the notice's indicators at the ministry equal to those the province computes from its own store", async () => {
    const sichuan = fed.provinces.get("510000");
    assert.ok(sichuan);
    const client = await fed.client("mot/reconciliation");
    const r = await client.unary(TicketStatisticsServiceService.queryTicketIndicators, {
      context: ctx(statisticsParty),
      period: "2026-12",
      province: ticketingParty("510000"),
    });
    const own = computeIndicators(
      ticketingParty("510000"),
      "2026-12",
      { stations: sichuan.store.stations, routes: sichuan.store.routes },
      await sichuan.store.countedEvents(),
    );
    assert.deepEqual(r.indicators, [own]);
    assert.ok(own.ticketsSold > 100 && own.eTicketsSold > 0 && own.eTicketsSold < own.ticketsSold);
    assert.ok(own.grade2Stations >= own.grade2StationsETicket);
  });

  it("reconciles a station's day and finds exactly the differences planted at the ministry", async () => {
    const sichuan = fed.provinces.get("510000");
    assert.ok(sichuan);
    const station = sichuan.registry.stations[0]?.code ?? "";
    const mot = fed.ministry.store;
    const before = await mot.stationDay(station, day);
    assert.ok(before.length >= 3);
    const [gone, altered] = before;
    await storeRows(mot, "DELETE FROM stat_ticket WHERE ticket_no = ?", [gone?.ticketNo]);
    await storeRows(mot, "UPDATE stat_ticket SET fare_fen = fare_fen + 100 WHERE ticket_no = ?", [altered?.ticketNo]);
    const client = await fed.client("mot/reconciliation");
    const r = await client.unary(TicketEventServiceService.reconcileDaily, {
      context: ctx(ticketingParty("510000"), Purpose.PURPOSE_RECONCILIATION),
      stationCode: station,
      day,
      entries: await mot.stationDay(station, day),
    });
    assert.deepEqual(
      r.differences.map((d) => [d.ticketNo, d.kind]).sort(),
      [
        [gone?.ticketNo, ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_MISSING_AT_CALLER],
        [altered?.ticketNo, ReconcileDifferenceKind.RECONCILE_DIFFERENCE_KIND_FARE],
      ].sort(),
    );
    assert.equal(r.owner?.tickets, before.length);
    assert.equal(r.caller?.tickets, before.length - 1);
  });

  it("answers status, changes since a cursor and a ping through the hub", async () => {
    const client = await fed.client("mot/reconciliation");
    const target = ctx(ticketingParty("510000"));
    const ticketNo = sichuanDay.events[0]?.ticket?.ticketNo ?? "";
    const one = await client.unary(TicketEventServiceService.queryTicketStatus, {
      context: target,
      ticketNo,
      since: 0n,
      limit: 0,
    });
    assert.equal(one.found, true);
    assert.equal(one.changes[0]?.ticketNo, ticketNo);
    const page = await client.unary(TicketEventServiceService.queryTicketStatus, {
      context: target,
      ticketNo: "",
      since: 10n,
      limit: 5,
    });
    assert.deepEqual(
      page.changes.map((c) => c.seq),
      [11n, 12n, 13n, 14n, 15n],
    );
    assert.equal(page.nextSince, 15n);
    const pong = await client.unary(TicketEventServiceService.ping, { context: target, nonce: "n-1", source: "" });
    assert.equal(pong.nonce, "n-1");
    assert.equal(pong.party, ticketingParty("510000"));
    assert.equal(pong.lastSeq, BigInt(sichuanDay.events.length));
  });

  describe("bad input", () => {
    const stationOf = () => {
      const [source, events] = [...bySource][0] as [string, TicketEvent[]];
      return { source, events };
    };

    it("refuses a refund after boarding (FAILED_PRECONDITION, recorded) and moves the cursor past it", async () => {
      const { source, events } = stationOf();
      const checked = events.find((e) => e.kind === TicketEventKind.TICKET_EVENT_KIND_CHECK);
      assert.ok(checked);
      const client = await fed.client(source);
      const next = BigInt(events.length) + 1n;
      const r = await client.unary(TicketEventServiceService.uploadTicketEvents, {
        context: ctx(ticketingParty("510000")),
        source,
        events: [
          {
            ...checked,
            kind: TicketEventKind.TICKET_EVENT_KIND_REFUND,
            sourceSeq: next,
            idempotencyKey: `${source}:refund-late`,
          },
        ],
      });
      assert.equal(r.ackedSeq, next);
      assert.equal(r.results[0]?.outcome, EventOutcome.EVENT_OUTCOME_REFUSED);
      assert.equal(r.results[0]?.code, "FAILED_PRECONDITION");
      assert.match(
        r.results[0]?.reason ?? "",
        /REFUND needs the ticket's checkStatus to be CHECK_STATUS_UNCHECKED or CHECK_STATUS_REVOKED; it is CHECK_STATUS_CHECKED/,
      );
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      const row = await storeValue(sichuan.store, "SELECT code FROM source_event WHERE source = ? AND source_seq = ?", [
        source,
        Number(next),
      ]);
      assert.equal(row, "FAILED_PRECONDITION");
      // Replaying the whole first batch changes nothing: every event a duplicate.
      const replay = await client.unary(TicketEventServiceService.uploadTicketEvents, {
        context: ctx(ticketingParty("510000")),
        source,
        events: events.slice(0, 5),
      });
      assert.deepEqual(
        replay.results.map((x) => x.outcome),
        Array(5).fill(EventOutcome.EVENT_OUTCOME_DUPLICATE),
      );
      assert.equal(replay.ackedSeq, next);
    });

    it("refuses a sequence gap, a reused sequence number and another station's name, applying nothing", async () => {
      const { source, events } = stationOf();
      const client = await fed.client(source);
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      const count = () => storeValue(sichuan.store, "SELECT count(*) FROM event_log");
      const before = await count();
      const sale = events[0] as TicketEvent;
      const gap = await statusOf(
        client.unary(TicketEventServiceService.uploadTicketEvents, {
          context: ctx(ticketingParty("510000")),
          source,
          events: [{ ...sale, sourceSeq: 10_000n, idempotencyKey: "gap" }],
        }),
      );
      // The reason stays at the province (a backend's words never cross a gateway); the station
      // asks where it stands.
      assert.equal(gap.code, Status.FAILED_PRECONDITION);
      const pong = await client.unary(TicketEventServiceService.ping, {
        context: ctx(ticketingParty("510000")),
        nonce: "",
        source,
      });
      assert.equal(pong.ackedSeq, await sichuan.store.ackedSeq(source));
      assert.ok(pong.ackedSeq >= BigInt(events.length));
      const nosy = await statusOf(
        client.unary(TicketEventServiceService.ping, {
          context: ctx(ticketingParty("510000")),
          nonce: "",
          source: [...bySource.keys()][1] as string,
        }),
      );
      assert.equal(nosy.code, Status.PERMISSION_DENIED);
      const conflict = await statusOf(
        client.unary(TicketEventServiceService.uploadTicketEvents, {
          context: ctx(ticketingParty("510000")),
          source,
          events: [{ ...sale, sourceSeq: 1n, idempotencyKey: "another-event" }],
        }),
      );
      assert.equal(conflict.code, Status.ALREADY_EXISTS);
      const other = [...bySource.keys()][1] as string;
      const impostor = await statusOf(
        client.unary(TicketEventServiceService.uploadTicketEvents, {
          context: ctx(ticketingParty("510000")),
          source: other,
          events: [{ ...sale, source: other, sourceSeq: 1n }],
        }),
      );
      assert.equal(impostor.code, Status.PERMISSION_DENIED);
      assert.equal(await count(), before);
    });

    it("refuses, per event, another province's ticket, an unknown station and a malformed event", async () => {
      const { source, events } = stationOf();
      const client = await fed.client(source);
      const sale = events[0] as TicketEvent;
      const cursor = (
        await client.unary(TicketEventServiceService.uploadTicketEvents, {
          context: ctx(ticketingParty("510000")),
          source,
          events: [{ ...sale, sourceSeq: 1n }],
        })
      ).ackedSeq;
      const base = (i: number, e: Partial<TicketEvent>): TicketEvent => ({
        ...sale,
        sourceSeq: cursor + BigInt(i + 1),
        idempotencyKey: `bad-${i}`,
        ...e,
      });
      const r = await client.unary(TicketEventServiceService.uploadTicketEvents, {
        context: ctx(ticketingParty("510000")),
        source,
        events: [
          base(0, {
            ticket: {
              ...(sale.ticket as NonNullable<TicketEvent["ticket"]>),
              ticketNo: "44X1",
              issuerProvince: "440000",
            },
          }),
          base(1, {
            station: { code: "519999999", name: "?" },
            ticket: { ...(sale.ticket as NonNullable<TicketEvent["ticket"]>), ticketNo: "51X2" },
          }),
          base(2, { kind: 0 as TicketEventKind }),
          base(3, { ticket: undefined }),
        ],
      });
      assert.deepEqual(
        r.results.map((x) => [x.outcome, x.code]),
        [
          [EventOutcome.EVENT_OUTCOME_REFUSED, "PERMISSION_DENIED"],
          [EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
          [EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
          [EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
        ],
      );
      assert.match(r.results[0]?.reason ?? "", /foreign|issued by "440000"/);
      assert.match(r.results[1]?.reason ?? "", /station "519999999" is not registered/);
    });

    it("answers bytes that are not the request with INVALID_ARGUMENT, not a crash", async () => {
      const { source } = stationOf();
      const client = await fed.client(source);
      // Field 1 (context) routes; field 3 (events) is a length-delimited field whose length overruns.
      const context = Buffer.from([0x0a, 0x17, 0x0a, 0x15, ...Buffer.from(ticketingParty("510000"))]);
      const body = Buffer.concat([context, Buffer.from([0x1a, 0x7f, 0x01])]);
      const r = await statusOf(client.session.call(TicketEventServiceService.uploadTicketEvents.path, body));
      assert.equal(r.code, Status.INVALID_ARGUMENT);
    });

    it("refuses a delivery from a station system at its gateway, and audits the refusal there", async () => {
      const { source } = stationOf();
      const client = await fed.client(source);
      const r = await statusOf(
        client.unary(TicketEventServiceService.deliverTicketEvents, {
          context: ctx(ticketingParty("440000")),
          events: [],
        }),
      );
      assert.equal(r.code, Status.PERMISSION_DENIED);
      const gateway = fed.provinces.get("510000")?.gateway;
      const page = await gateway?.store.query({ party: source, pageSize: 100 });
      const refusal = page?.entries.find((e) => e.ownerParty === ticketingParty("440000"));
      assert.equal(refusal?.decision, "deny");
      assert.equal(refusal?.reason, "acl-denied");
    });

    it("audits every cross-province delivery at the owner's gateway, with no personal data in the entry", async () => {
      const gateway = fed.provinces.get("510000")?.gateway;
      const page = await gateway?.store.query({ party: ticketingParty("510000"), pageSize: 1000 });
      const deliveries = (page?.entries ?? []).filter(
        (e) => e.ownerParty === ticketingParty("440000") && e.decision === "allow",
      );
      const sichuan = fed.provinces.get("510000");
      assert.ok(sichuan);
      const sent = await storeValue(sichuan.store, "SELECT count(*) FROM emission WHERE destination = ?", [
        ticketingParty("440000"),
      ]);
      assert.equal(deliveries.length, sent);
      const names = sichuanDay.events
        .slice(0, 50)
        .map((e) => e.ticket?.passenger?.name ?? "")
        .filter((n) => n !== "");
      for (const e of deliveries) {
        const text = Buffer.from(e.bytes).toString("utf8");
        for (const n of names) assert.equal(text.includes(n), false);
      }
    });
  });
};

for (const variant of variants) {
  describe(
    `the e-ticket federation: a hub, three provinces and their e-ticket services (stores on ${variant.name})`,
    { skip: variant.skip },
    federationSpec(variant),
  );
}
