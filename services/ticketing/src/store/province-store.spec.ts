// The province store's behaviour, the same specs on SQLite and on PostgreSQL: uploads applied,
// duplicate and refused, the cursor, a gap and a conflict refusing the whole batch, deliveries
// through the inbox with their order counted, the registry once, and the reads the service answers.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  CheckStatus,
  type DeliveredTicketEvent,
  EventOutcome,
  IdType,
  TicketEventKind as K,
  SaleStatus,
  Ticket,
  TicketEvent,
  TicketMedium,
} from "@hutong/proto";
import { ticketEventsTopic } from "../emission/event-messages.js";
import { createEventRouter, defaultEventRoutes } from "../emission/event-routes.js";
import { isTicketingError, type TicketingErrorCode } from "../ticketing-error.js";
import { type AnyProvinceStore, openProvinceStore } from "./open-stores.js";
import type { ProvinceStoreOptions } from "./port/province-store.js";
import { type StorePlace, storeKinds, storeRows, storeValue } from "./testing-stores.js";

const province = "510000";
const party = "prov:510000/ticketing";
const source = "prov:510000/station-510101001";
const other = "prov:510000/station-510102002";
const station = { code: "510101001", name: "成都中心站" };
const t0 = 1_796_400_000_000;

const options: ProvinceStoreOptions = {
  party,
  province,
  sealKey: randomBytes(32),
  stations: [
    {
      code: "510101001",
      name: "成都中心站",
      grade: 1,
      smartTicketing: true,
      smartChecking: true,
      eTicketService: true,
    },
    { code: "510102002", name: "成都东站", grade: 2, smartTicketing: true, smartChecking: false, eTicketService: true },
  ],
  routes: [{ code: "51R0001", customised: false }],
  router: createEventRouter(province, defaultEventRoutes, (p) => `prov:${p}/ticketing`),
};

const ticket = (ticketNo: string, over: Partial<Ticket> = {}): Ticket =>
  Ticket.fromPartial({
    ticketNo,
    orderNo: `O${ticketNo}`,
    issuerProvince: province,
    passenger: { name: "王伟", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "510119800101" },
    routeCode: "51R0001",
    scheduleNo: "000108",
    departTime: new Date("2026-12-04T01:00:00Z"),
    boardStation: station,
    alightStation: { code: "440101001", name: "广州中心站" },
    fareFen: 12_000n,
    medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
    ...over,
  });

/** Event `seq` of `from`: a sale carries its ticket, a later event only the number. */
function event(seq: number, kind: K, ticketNo: string, over: Partial<TicketEvent> = {}, from = source): TicketEvent {
  return TicketEvent.fromPartial({
    idempotencyKey: `${from}:${seq}`,
    source: from,
    sourceSeq: BigInt(seq),
    kind,
    // 2026-12-03T16:30Z + seq minutes: Beijing's 2026-12-04.
    occurredAt: new Date(Date.UTC(2026, 11, 3, 16, 30 + seq)),
    ticket: kind === K.TICKET_EVENT_KIND_SALE ? ticket(ticketNo) : Ticket.fromPartial({ ticketNo }),
    refundFeeFen: 0n,
    station: from === source ? station : { code: "510102002", name: "成都东站" },
    ...over,
  });
}

/** Another province's delivered event: `ticketNo` at `version`. */
const delivered = (owner: string, ownerSeq: number, ticketNo: string, version: number): DeliveredTicketEvent => ({
  idempotencyKey: `${owner}#${ownerSeq}`,
  owner,
  ownerSeq: BigInt(ownerSeq),
  ticketVersion: version,
  kind: version === 1 ? K.TICKET_EVENT_KIND_SALE : K.TICKET_EVENT_KIND_CHECK,
  occurredAt: new Date(t0),
  ticket: Ticket.fromPartial({
    ticketNo,
    saleStatus: SaleStatus.SALE_STATUS_SOLD,
    checkStatus: version === 1 ? CheckStatus.CHECK_STATUS_UNCHECKED : CheckStatus.CHECK_STATUS_CHECKED,
  }),
  refundFeeFen: 0n,
  station: { code: "440101001", name: "广州中心站" },
});

const outcomes = (results: readonly { outcome: EventOutcome }[]) => results.map((r) => r.outcome);
const applied = EventOutcome.EVENT_OUTCOME_APPLIED;
const duplicate = EventOutcome.EVENT_OUTCOME_DUPLICATE;
const refused = EventOutcome.EVENT_OUTCOME_REFUSED;

async function rejectsWith(p: Promise<unknown>, code: TicketingErrorCode, says?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTicketingError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (says !== undefined) assert.match(e.message, says);
    return true;
  });
}

for (const kind of storeKinds) {
  describe(`province store: ${kind.name}`, { skip: kind.skip }, () => {
    let place: StorePlace;
    let store: AnyProvinceStore;
    beforeEach(async () => {
      place = await kind.place();
      store = await openProvinceStore(place.location, options);
    });
    afterEach(async () => {
      await store?.close();
      await place?.cleanup();
    });
    const count = async (table: string) => Number(await storeValue(store, `SELECT count(*) FROM ${table}`));

    it("applies a batch in one transaction: tickets, events in the owner sequence, outbox messages, the cursor", async () => {
      const r = await store.upload(
        source,
        [
          event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
          event(2, K.TICKET_EVENT_KIND_SALE, "T2"),
          event(3, K.TICKET_EVENT_KIND_CHECK, "T1"),
        ],
        t0,
      );
      assert.deepEqual(outcomes(r.results), [applied, applied, applied]);
      assert.equal(r.ackedSeq, 3n);
      assert.equal(r.enqueued, 6, "each event to Guangdong and to the ministry");
      assert.equal(await store.ackedSeq(source), 3n);
      assert.equal(await store.ackedSeq(other), 0n);
      assert.equal(await store.lastSeq(), 3n);
      const t1 = await store.ticket("T1");
      assert.equal(t1?.passenger?.name, "王伟", "the province keeps the whole ticket (sealed at rest)");
      assert.equal(t1?.checkStatus, CheckStatus.CHECK_STATUS_CHECKED);
      assert.equal(await store.ticket("T404"), undefined);
      const sealed = await storeValue(store, "SELECT sealed FROM ticket WHERE ticket_no = ?", ["T1"]);
      assert.ok(sealed instanceof Buffer);
      assert.equal(sealed.includes(Buffer.from("王伟")), false, "no passenger in the clear");
      const status = await store.status("T1");
      assert.deepEqual(
        [status?.seq, status?.kind, status?.ticketVersion, status?.checkStatus],
        [3n, K.TICKET_EVENT_KIND_CHECK, 2, CheckStatus.CHECK_STATUS_CHECKED],
      );
      assert.deepEqual(status?.occurredAt, event(3, K.TICKET_EVENT_KIND_CHECK, "T1").occurredAt);
      assert.equal(await store.status("T404"), undefined);
      const page = await store.outbox.listOutbox({ topic: ticketEventsTopic, pageSize: 10 }, t0);
      assert.deepEqual(
        page.messages.map((m) => [m.destination, m.idempotencyKey, m.orderingKey]),
        [
          ["prov:440000/ticketing", `${party}#1`, "T1"],
          ["prov:440000/ticketing", `${party}#2`, "T2"],
          ["prov:440000/ticketing", `${party}#3`, "T1"],
        ],
      );
      assert.equal(await count("emission"), 6);
    });

    it("recognises a resend (duplicates, nothing applied twice) and records refusals, moving the cursor past them", async () => {
      const batch = [event(1, K.TICKET_EVENT_KIND_SALE, "T1"), event(2, K.TICKET_EVENT_KIND_CHECK, "T1")];
      await store.upload(source, batch, t0);
      const r = await store.upload(
        source,
        [...batch, event(3, K.TICKET_EVENT_KIND_REFUND, "T1"), event(4, K.TICKET_EVENT_KIND_SALE, "T4")],
        t0 + 1,
      );
      assert.deepEqual(outcomes(r.results), [duplicate, duplicate, refused, applied]);
      assert.equal(r.results[2]?.code, "FAILED_PRECONDITION");
      assert.match(r.results[2]?.reason ?? "", /REFUND needs the ticket's checkStatus .* it is CHECK_STATUS_CHECKED/);
      assert.equal(r.ackedSeq, 4n);
      assert.equal(r.enqueued, 2);
      assert.deepEqual(
        await storeRows(
          store,
          "SELECT source_seq, outcome, code FROM source_event WHERE source = ? ORDER BY source_seq",
          [source],
        ),
        [
          { source_seq: 1, outcome: applied, code: "" },
          { source_seq: 2, outcome: applied, code: "" },
          { source_seq: 3, outcome: refused, code: "FAILED_PRECONDITION" },
          { source_seq: 4, outcome: applied, code: "" },
        ],
      );
      assert.equal(await count("event_log"), 3);
      assert.equal(await store.lastSeq(), 3n, "a refusal takes no owner sequence number");
      // The same key under a new sequence number (a station that renumbered): a duplicate.
      const again = await store.upload(
        source,
        [event(5, K.TICKET_EVENT_KIND_SALE, "T4", { idempotencyKey: `${source}:4` })],
        t0,
      );
      assert.deepEqual(outcomes(again.results), [duplicate]);
      assert.equal(again.ackedSeq, 5n);
      assert.equal(await count("event_log"), 3);
    });

    it("threads a ticket through a batch that touches it several times, and a key repeated inside the batch once", async () => {
      const r = await store.upload(
        source,
        [
          event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
          event(2, K.TICKET_EVENT_KIND_CHECK, "T1"),
          event(3, K.TICKET_EVENT_KIND_CHECK_REVOKED, "T1"),
          event(4, K.TICKET_EVENT_KIND_CHECK_REVOKED, "T1", { idempotencyKey: `${source}:3` }),
          event(5, K.TICKET_EVENT_KIND_REFUND, "T1"),
        ],
        t0,
      );
      assert.deepEqual(outcomes(r.results), [applied, applied, applied, duplicate, applied]);
      const sold = SaleStatus.SALE_STATUS_SOLD;
      assert.deepEqual(
        await storeRows(store, "SELECT seq, ticket_version, sale_status, check_status FROM event_log ORDER BY seq"),
        [
          { seq: 1, ticket_version: 1, sale_status: sold, check_status: CheckStatus.CHECK_STATUS_UNCHECKED },
          { seq: 2, ticket_version: 2, sale_status: sold, check_status: CheckStatus.CHECK_STATUS_CHECKED },
          { seq: 3, ticket_version: 3, sale_status: sold, check_status: CheckStatus.CHECK_STATUS_REVOKED },
          {
            seq: 4,
            ticket_version: 4,
            sale_status: SaleStatus.SALE_STATUS_REFUNDED,
            check_status: CheckStatus.CHECK_STATUS_REVOKED,
          },
        ],
      );
      assert.deepEqual(await storeRows(store, "SELECT version, sale_status FROM ticket"), [
        { version: 4, sale_status: SaleStatus.SALE_STATUS_REFUNDED },
      ]);
      // A later batch goes on from the stored version.
      await store.upload(
        source,
        [event(6, K.TICKET_EVENT_KIND_SALE, "T6"), event(7, K.TICKET_EVENT_KIND_VOID, "T6")],
        t0,
      );
      assert.equal((await store.status("T6"))?.ticketVersion, 2);
      await store.upload(source, [event(8, K.TICKET_EVENT_KIND_NO_SHOW, "T1")], t0);
      assert.equal((await store.status("T1"))?.ticketVersion, 4, "a refused event is no version");
      assert.equal((await store.ticket("T1"))?.saleStatus, SaleStatus.SALE_STATUS_REFUNDED);
    });

    it("refuses a gap and a reused sequence number whole, writing nothing of the batch", async () => {
      await store.upload(
        source,
        [event(1, K.TICKET_EVENT_KIND_SALE, "T1"), event(2, K.TICKET_EVENT_KIND_SALE, "T2")],
        t0,
      );
      await rejectsWith(
        store.upload(source, [event(4, K.TICKET_EVENT_KIND_SALE, "T4")], t0),
        "sequence-gap",
        /sent 4 but the province has taken up to 2: resend from 3/,
      );
      await store.upload(source, [event(3, K.TICKET_EVENT_KIND_SALE, "T3")], t0);
      await rejectsWith(
        store.upload(
          source,
          [
            event(3, K.TICKET_EVENT_KIND_SALE, "T9", { idempotencyKey: "another" }),
            event(4, K.TICKET_EVENT_KIND_SALE, "T5"),
          ],
          t0,
        ),
        "sequence-conflict",
        /used sequence 3 for another event before/,
      );
      assert.equal(await store.ackedSeq(source), 3n);
      assert.equal(await count("event_log"), 3);
      assert.equal(await store.ticket("T5"), undefined, "nothing of the refused batch");
      assert.equal(await count("source_event"), 3);
      // The store goes on after a refused batch.
      const r = await store.upload(source, [event(4, K.TICKET_EVENT_KIND_SALE, "T4")], t0);
      assert.deepEqual(outcomes(r.results), [applied]);
      assert.equal(await store.lastSeq(), 4n);
    });

    it("gives concurrent uploads of several stations one owner sequence without holes", async () => {
      const day = (from: string) =>
        Array.from({ length: 20 }, (_, i) =>
          event(i + 1, K.TICKET_EVENT_KIND_SALE, `${from.slice(-3)}X${i}`, {}, from),
        );
      const a = day(source);
      const b = day(other);
      // Each station's first half, and its whole day resent while the first is still in flight.
      const rs = await Promise.all([
        store.upload(source, a.slice(0, 10), t0),
        store.upload(other, b.slice(0, 10), t0),
        store.upload(source, a, t0),
        store.upload(other, b, t0),
      ]);
      for (const r of rs) assert.ok(r.results.every((x) => x.outcome !== refused));
      const seqs = (await storeRows(store, "SELECT seq FROM event_log ORDER BY seq")).map((r) => r.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(await store.ackedSeq(source), 20n);
      assert.equal(await store.ackedSeq(other), 20n);
    });

    it("applies another province's events once each (inbox), counting a ticket's versions out of order", async () => {
      const gd = "prov:440000/ticketing";
      const r1 = await store.receive(gd, [delivered(gd, 7, "G1", 2), delivered(gd, 3, "G2", 1)], t0);
      assert.deepEqual(r1, { applied: 2, duplicates: 0 });
      const r2 = await store.receive(gd, [delivered(gd, 5, "G1", 1), delivered(gd, 7, "G1", 2)], t0);
      assert.deepEqual(r2, { applied: 1, duplicates: 1 });
      assert.deepEqual(
        await storeRows(
          store,
          "SELECT owner_seq, ticket_version, in_order, applications FROM received_event ORDER BY owner_seq",
        ),
        [
          { owner_seq: 3, ticket_version: 1, in_order: 1, applications: 1 },
          { owner_seq: 5, ticket_version: 1, in_order: 0, applications: 1 },
          { owner_seq: 7, ticket_version: 2, in_order: 0, applications: 1 },
        ],
      );
      assert.deepEqual(
        await storeRows(store, "SELECT ticket_no, version, check_status FROM received_ticket ORDER BY ticket_no"),
        [
          { ticket_no: "G1", version: 2, check_status: CheckStatus.CHECK_STATUS_CHECKED },
          { ticket_no: "G2", version: 1, check_status: CheckStatus.CHECK_STATUS_UNCHECKED },
        ],
        "an older version does not overwrite a newer copy",
      );
      await rejectsWith(store.receive(gd, [delivered("prov:310000/ticketing", 1, "S1", 1)], t0), "wrong-source");
      await rejectsWith(store.receive(gd, [{ ...delivered(gd, 9, "G9", 1), ticketVersion: 0 }], t0), "malformed");
      assert.equal(await count("received_event"), 3);
    });

    it("applies concurrent deliveries of one ticket once each, the same event racing itself", async () => {
      const gd = "prov:440000/ticketing";
      const events = Array.from({ length: 12 }, (_, i) => delivered(gd, i + 1, "G1", i + 1));
      const rs = await Promise.all(events.flatMap((e) => [store.receive(gd, [e], t0), store.receive(gd, [e], t0)]));
      assert.equal(
        rs.reduce((n, r) => n + r.applied, 0),
        12,
      );
      assert.equal(await count("received_event"), 12);
      assert.deepEqual(await storeRows(store, "SELECT max(applications) AS m FROM received_event"), [{ m: 1 }]);
      assert.equal(await storeValue(store, "SELECT version FROM received_ticket"), 12);
    });

    it("enqueues the registry once per content", async () => {
      const payload = new Uint8Array([1, 2, 3]);
      assert.equal(await store.enqueueRegistry("reg#1", "mot/statistics", payload, t0), 1);
      assert.equal(await store.enqueueRegistry("reg#1", "mot/statistics", payload, t0), 0);
      assert.equal(await store.enqueueRegistry("reg#2", "mot/statistics", payload, t0), 1);
      const page = await store.outbox.listOutbox({ pageSize: 10 }, t0);
      assert.deepEqual(
        page.messages.map((m) => [m.idempotencyKey, m.orderingKey]),
        [
          ["reg#1", "registry"],
          ["reg#2", "registry"],
        ],
      );
    });

    it("answers a station's day, the changes after a cursor and the events as the indicators count them", async () => {
      await store.upload(
        source,
        [
          event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
          event(2, K.TICKET_EVENT_KIND_SALE, "T2", {
            ticket: ticket("T2", { fareFen: 8_000n, medium: TicketMedium.TICKET_MEDIUM_PAPER }),
          }),
          event(3, K.TICKET_EVENT_KIND_REFUND, "T2"),
          event(4, K.TICKET_EVENT_KIND_SALE, "T3", { occurredAt: new Date("2026-12-04T16:30:00Z") }),
        ],
        t0,
      );
      await store.upload(other, [event(1, K.TICKET_EVENT_KIND_SALE, "T4", {}, other)], t0);
      const day = (await store.stationDay("510101001", "2026-12-04")).sort((a, b) =>
        a.ticketNo < b.ticketNo ? -1 : 1,
      );
      assert.deepEqual(day, [
        { ticketNo: "T1", saleStatus: SaleStatus.SALE_STATUS_SOLD, fareFen: 12_000n },
        { ticketNo: "T2", saleStatus: SaleStatus.SALE_STATUS_REFUNDED, fareFen: 8_000n },
      ]);
      assert.deepEqual(
        (await store.stationDay("510101001", "2026-12-05")).map((e) => e.ticketNo),
        ["T3"],
      );
      assert.deepEqual(await store.stationDay("510199999", "2026-12-04"), []);
      const page = await store.changesSince(1n, 2);
      assert.deepEqual(
        page.map((c) => [c.seq, c.ticketNo, c.kind, c.ticketVersion]),
        [
          [2n, "T2", K.TICKET_EVENT_KIND_SALE, 1],
          [3n, "T2", K.TICKET_EVENT_KIND_REFUND, 2],
        ],
      );
      assert.deepEqual(await store.changesSince(5n, 10), []);
      const counted = await store.countedEvents();
      assert.equal(counted.length, 5);
      assert.deepEqual(
        counted.find((c) => c.kind === K.TICKET_EVENT_KIND_REFUND),
        {
          kind: K.TICKET_EVENT_KIND_REFUND,
          saleDay: "2026-12-04",
          saleStationCode: "510101001",
          routeCode: "51R0001",
          medium: TicketMedium.TICKET_MEDIUM_PAPER,
        },
      );
    });

    it("keeps everything across a reopen", async () => {
      await store.upload(source, [event(1, K.TICKET_EVENT_KIND_SALE, "T1")], t0);
      await store.close();
      store = await openProvinceStore(place.location, options);
      assert.equal(await store.ackedSeq(source), 1n);
      assert.equal(await store.lastSeq(), 1n);
      assert.equal((await store.ticket("T1"))?.passenger?.name, "王伟");
      const r = await store.upload(
        source,
        [event(1, K.TICKET_EVENT_KIND_SALE, "T1"), event(2, K.TICKET_EVENT_KIND_CHECK, "T1")],
        t0,
      );
      assert.deepEqual(outcomes(r.results), [duplicate, applied]);
      assert.equal((await store.status("T1"))?.seq, 2n);
    });
  });
}
