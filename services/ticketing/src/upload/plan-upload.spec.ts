// The decision of an upload without a store: the cursor, duplicates (by sequence number, by key in
// the store, by key earlier in the batch), the lifecycle threaded through a batch that touches one
// ticket several times, per-event refusals, the owner sequence, emissions and outbox messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CheckStatus,
  DeliverTicketEventsRequest,
  EventOutcome,
  IdType,
  TicketEventKind as K,
  ReportTicketStatisticsRequest,
  SaleStatus,
  Ticket,
  TicketEvent,
  TicketMedium,
} from "@hutong/proto";
import { ticketEventsTopic, ticketStatisticsTopic } from "../emission/event-messages.js";
import { createEventRouter, defaultEventRoutes } from "../emission/event-routes.js";
import { isTicketingError, type TicketingErrorCode } from "../ticketing-error.js";
import {
  planUpload,
  type StoredTicket,
  type UploadContext,
  type UploadFacts,
  type UploadPlan,
  uploadReads,
} from "./plan-upload.js";

const province = "510000";
const party = "prov:510000/ticketing";
const source = "prov:510000/station-510101001";
const stations = new Set(["510101001", "510102002"]);
const context: UploadContext = {
  party,
  scope: { province, isStation: (code) => stations.has(code) },
  router: createEventRouter(province, defaultEventRoutes, (p) => `prov:${p}/ticketing`),
};
const now = 1_796_400_000_000;
const station = { code: "510101001", name: "成都中心站" };

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

/** The event at `seq` of the source: a sale carries the ticket, a later event only its number. */
function event(seq: number, kind: K, ticketNo: string, over: Partial<TicketEvent> = {}): TicketEvent {
  const creates = kind === K.TICKET_EVENT_KIND_SALE;
  return TicketEvent.fromPartial({
    idempotencyKey: `${source}:${seq}`,
    source,
    sourceSeq: BigInt(seq),
    kind,
    // 2026-12-03T16:30Z + seq minutes: Beijing's 2026-12-04.
    occurredAt: new Date(Date.UTC(2026, 11, 3, 16, 30 + seq)),
    ticket: creates ? ticket(ticketNo) : Ticket.fromPartial({ ticketNo }),
    refundFeeFen: 0n,
    station,
    ...over,
  });
}

const facts = (over: Partial<UploadFacts> = {}): UploadFacts => ({
  cursor: 0n,
  lastSeq: 0n,
  takenKeys: new Map(),
  appliedKeys: new Set(),
  tickets: new Map(),
  ...over,
});

const plan = (events: readonly TicketEvent[], f: UploadFacts = facts()): UploadPlan =>
  planUpload(context, source, events, now, f);

const outcomes = (p: UploadPlan) => p.results.map((r) => [r.sourceSeq, r.outcome, r.code]);

/** Asserts the plan throws TicketingError `code` with a message matching `says`. */
function throwsBatch(f: () => unknown, code: TicketingErrorCode, says: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isTicketingError(e), String(e));
    assert.equal(e.code, code);
    assert.match(e.message, says);
    return true;
  });
}

/** A ticket the province holds, sold earlier (version `version`, in the state given). */
const stored = (ticketNo: string, version: number, checkStatus = CheckStatus.CHECK_STATUS_UNCHECKED): StoredTicket => ({
  version,
  state: { saleStatus: SaleStatus.SALE_STATUS_SOLD, checkStatus },
  record: ticket(ticketNo, { saleStatus: SaleStatus.SALE_STATUS_SOLD, checkStatus }),
  sale: { saleStation: "510102002", saleDay: "2026-12-01", routeCode: "51R0001", medium: 1 },
});

describe("uploadReads", () => {
  it("asks for the taken keys of repeated sequence numbers, and the keys and tickets of the new events", () => {
    const events = [
      event(3, K.TICKET_EVENT_KIND_SALE, "T1"),
      event(4, K.TICKET_EVENT_KIND_SALE, "T2"),
      event(5, K.TICKET_EVENT_KIND_CHECK, "T2"),
      event(6, K.TICKET_EVENT_KIND_CHECK, "T2", { idempotencyKey: `${source}:5` }),
      event(7, K.TICKET_EVENT_KIND_CHECK, "", { ticket: undefined }),
    ];
    assert.deepEqual(uploadReads(events, 4n), {
      repeatedSeqs: [3n, 4n],
      keys: [`${source}:5`, `${source}:7`],
      ticketNos: ["T2"],
    });
  });
});

describe("planUpload", () => {
  it("applies a sale: the ticket inserted, the event logged at the next owner sequence number, routed, the cursor moved", () => {
    const sale = event(1, K.TICKET_EVENT_KIND_SALE, "T1");
    const p = plan([sale], facts({ lastSeq: 41n }));
    assert.deepEqual(outcomes(p), [[1n, EventOutcome.EVENT_OUTCOME_APPLIED, ""]]);
    assert.equal(p.ackedSeq, 1n);
    assert.equal(p.lastSeq, 42n);
    assert.equal(p.tickets.length, 1);
    const [t] = p.tickets;
    assert.deepEqual(
      { ...t, record: undefined },
      {
        insert: true,
        ticketNo: "T1",
        version: 1,
        saleStatus: SaleStatus.SALE_STATUS_SOLD,
        checkStatus: CheckStatus.CHECK_STATUS_UNCHECKED,
        sale: { saleStation: "510101001", saleDay: "2026-12-04", routeCode: "51R0001", medium: 1 },
        fareFen: 12_000n,
        record: undefined,
      },
    );
    assert.deepEqual(t?.record.soldAt, sale.occurredAt);
    assert.equal(t?.record.passenger?.name, "王伟", "the stored ticket keeps the passenger (it is sealed)");
    assert.deepEqual(
      p.events.map((e) => [e.seq, e.idempotencyKey, e.sourceSeq, e.version, e.day, e.appliedMs]),
      [[42n, `${source}:1`, 1n, 1, "2026-12-04", now]],
    );
    assert.deepEqual(p.sourceEvents, [
      {
        sourceSeq: 1n,
        idempotencyKey: `${source}:1`,
        outcome: EventOutcome.EVENT_OUTCOME_APPLIED,
        code: "",
        reason: "",
        atMs: now,
      },
    ]);
    assert.deepEqual(p.emissions, [
      { seq: 42n, destination: "prov:440000/ticketing", form: "event" },
      { seq: 42n, destination: "mot/statistics", form: "statistics" },
    ]);
    assert.deepEqual(
      p.messages.map((m) => [m.topic, m.destination, m.idempotencyKey, m.orderingKey]),
      [
        [ticketEventsTopic, "prov:440000/ticketing", `${party}#42`, "T1"],
        [ticketStatisticsTopic, "mot/statistics", `${party}#42`, "T1"],
      ],
    );
    const delivered = DeliverTicketEventsRequest.decode(p.messages[0]?.payload ?? new Uint8Array()).events[0];
    assert.equal(delivered?.ownerSeq, 42n);
    assert.equal(delivered?.ticketVersion, 1);
    assert.equal(delivered?.ticket?.passenger, undefined, "the operational view carries no passenger");
    const stats = ReportTicketStatisticsRequest.decode(p.messages[1]?.payload ?? new Uint8Array()).events[0];
    assert.equal(stats?.saleStationCode, "510101001");
    assert.equal(stats?.saleDay, "2026-12-04");
  });

  it("threads a ticket's state through a batch that touches it several times, each event a version", () => {
    const p = plan([
      event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
      event(2, K.TICKET_EVENT_KIND_CHECK, "T1"),
      event(3, K.TICKET_EVENT_KIND_REFUND, "T1"),
      event(4, K.TICKET_EVENT_KIND_CHECK_REVOKED, "T1"),
      event(5, K.TICKET_EVENT_KIND_REFUND, "T1"),
    ]);
    assert.deepEqual(outcomes(p), [
      [1n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
      [2n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
      [3n, EventOutcome.EVENT_OUTCOME_REFUSED, "FAILED_PRECONDITION"],
      [4n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
      [5n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
    ]);
    assert.match(p.results[2]?.reason ?? "", /REFUND needs the ticket's checkStatus .* it is CHECK_STATUS_CHECKED/);
    assert.deepEqual(
      p.events.map((e) => [e.seq, e.sourceSeq, e.version, e.saleStatus, e.checkStatus]),
      [
        [1n, 1n, 1, SaleStatus.SALE_STATUS_SOLD, CheckStatus.CHECK_STATUS_UNCHECKED],
        [2n, 2n, 2, SaleStatus.SALE_STATUS_SOLD, CheckStatus.CHECK_STATUS_CHECKED],
        [3n, 4n, 3, SaleStatus.SALE_STATUS_SOLD, CheckStatus.CHECK_STATUS_REVOKED],
        [4n, 5n, 4, SaleStatus.SALE_STATUS_REFUNDED, CheckStatus.CHECK_STATUS_REVOKED],
      ],
      "the refusal takes no owner sequence number",
    );
    // One write for the ticket: inserted as the batch leaves it.
    assert.equal(p.tickets.length, 1);
    const [t] = p.tickets;
    assert.equal(t?.insert, true);
    assert.equal(t?.version, 4);
    assert.equal(t?.record.saleStatus, SaleStatus.SALE_STATUS_REFUNDED);
    assert.deepEqual(t?.record.checkedAt, event(2, K.TICKET_EVENT_KIND_CHECK, "T1").occurredAt);
    assert.deepEqual(t?.record.soldAt, event(1, K.TICKET_EVENT_KIND_SALE, "T1").occurredAt);
    assert.ok(p.events.every((e) => e.sale.saleStation === "510101001" && e.sale.saleDay === "2026-12-04"));
    const versions = p.messages
      .filter((m) => m.topic === ticketEventsTopic)
      .map((m) => DeliverTicketEventsRequest.decode(m.payload).events[0]?.ticketVersion);
    assert.deepEqual(versions, [1, 2, 3, 4]);
    assert.equal(p.lastSeq, 4n);
    assert.equal(p.ackedSeq, 5n);
  });

  it("moves a stored ticket on from its version, keeping its sale facts", () => {
    const p = plan(
      [event(8, K.TICKET_EVENT_KIND_CHECK, "T9"), event(9, K.TICKET_EVENT_KIND_NO_SHOW, "T9")],
      facts({ cursor: 7n, lastSeq: 100n, tickets: new Map([["T9", stored("T9", 3)]]) }),
    );
    assert.deepEqual(outcomes(p), [
      [8n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
      [9n, EventOutcome.EVENT_OUTCOME_REFUSED, "FAILED_PRECONDITION"],
    ]);
    assert.deepEqual(
      p.tickets.map((t) => [t.insert, t.version, t.checkStatus, t.sale.saleStation]),
      [[false, 4, CheckStatus.CHECK_STATUS_CHECKED, "510102002"]],
    );
    assert.deepEqual(
      p.events.map((e) => [e.seq, e.version, e.sale.saleDay]),
      [[101n, 4, "2026-12-01"]],
    );
    const stats = ReportTicketStatisticsRequest.decode(p.messages[1]?.payload ?? new Uint8Array()).events[0];
    assert.equal(stats?.saleStationCode, "510102002");
  });

  it("counts a key repeated inside one batch, or applied before, as a duplicate, applied once", () => {
    const p = plan(
      [
        event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
        event(2, K.TICKET_EVENT_KIND_SALE, "T1", { idempotencyKey: `${source}:1` }),
        event(3, K.TICKET_EVENT_KIND_SALE, "T2", { idempotencyKey: "applied-before" }),
      ],
      facts({ appliedKeys: new Set(["applied-before"]) }),
    );
    assert.deepEqual(outcomes(p), [
      [1n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
      [2n, EventOutcome.EVENT_OUTCOME_DUPLICATE, ""],
      [3n, EventOutcome.EVENT_OUTCOME_DUPLICATE, ""],
    ]);
    assert.equal(p.events.length, 1);
    assert.equal(p.tickets.length, 1);
    assert.deepEqual(
      p.sourceEvents.map((s) => [s.sourceSeq, s.outcome]),
      [
        [1n, EventOutcome.EVENT_OUTCOME_APPLIED],
        [2n, EventOutcome.EVENT_OUTCOME_DUPLICATE],
        [3n, EventOutcome.EVENT_OUTCOME_DUPLICATE],
      ],
      "every event past the cursor is recorded, whatever became of it",
    );
    assert.equal(p.ackedSeq, 3n);
  });

  it("recognises a resend up to the cursor by its sequence numbers' keys, and goes on past it", () => {
    const taken = new Map([
      [4n, `${source}:4`],
      [5n, `${source}:5`],
    ]);
    const p = plan(
      [
        event(4, K.TICKET_EVENT_KIND_SALE, "T4"),
        event(5, K.TICKET_EVENT_KIND_SALE, "T5"),
        event(6, K.TICKET_EVENT_KIND_SALE, "T6"),
      ],
      facts({ cursor: 5n, lastSeq: 9n, takenKeys: taken }),
    );
    assert.deepEqual(outcomes(p), [
      [4n, EventOutcome.EVENT_OUTCOME_DUPLICATE, ""],
      [5n, EventOutcome.EVENT_OUTCOME_DUPLICATE, ""],
      [6n, EventOutcome.EVENT_OUTCOME_APPLIED, ""],
    ]);
    assert.deepEqual(
      p.sourceEvents.map((s) => s.sourceSeq),
      [6n],
      "what is up to the cursor is recorded already",
    );
    assert.equal(p.ackedSeq, 6n);
    // All of it behind the cursor: the cursor stays.
    const again = plan([event(4, K.TICKET_EVENT_KIND_SALE, "T4")], facts({ cursor: 5n, takenKeys: taken }));
    assert.equal(again.ackedSeq, 5n);
    assert.deepEqual(again.events, []);
    assert.deepEqual(again.messages, []);
  });

  it("refuses the whole batch for a gap or a sequence number taken by another event", () => {
    throwsBatch(
      () => plan([event(7, K.TICKET_EVENT_KIND_SALE, "T7")], facts({ cursor: 5n })),
      "sequence-gap",
      /^prov:510000\/station-510101001 sent 7 but the province has taken up to 5: resend from 6$/,
    );
    throwsBatch(
      () =>
        plan(
          [
            event(5, K.TICKET_EVENT_KIND_SALE, "T5", { idempotencyKey: "another" }),
            event(6, K.TICKET_EVENT_KIND_SALE, "T6"),
          ],
          facts({ cursor: 5n, takenKeys: new Map([[5n, `${source}:5`]]) }),
        ),
      "sequence-conflict",
      /^prov:510000\/station-510101001 used sequence 5 for another event before$/,
    );
    // A sequence number up to the cursor with no record of it cannot be told a duplicate.
    throwsBatch(
      () => plan([event(2, K.TICKET_EVENT_KIND_SALE, "T2")], facts({ cursor: 5n })),
      "sequence-conflict",
      /used sequence 2/,
    );
  });

  it("refuses, per event, what the checks or the lifecycle refuse, recording the code and reason", () => {
    const p = plan(
      [
        event(1, K.TICKET_EVENT_KIND_SALE, "T1", { ticket: ticket("T1", { issuerProvince: "440000" }) }),
        event(2, K.TICKET_EVENT_KIND_SALE, "T2", { station: { code: "519999999", name: "?" } }),
        event(3, K.TICKET_EVENT_KIND_CHECK, "T3"),
        event(4, K.TICKET_EVENT_KIND_SALE, "T9"),
        event(5, 0 as K, "T5"),
        event(6, K.TICKET_EVENT_KIND_SALE, "T6", { occurredAt: undefined }),
      ],
      facts({ tickets: new Map([["T9", stored("T9", 1)]]) }),
    );
    assert.deepEqual(outcomes(p), [
      [1n, EventOutcome.EVENT_OUTCOME_REFUSED, "PERMISSION_DENIED"],
      [2n, EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
      [3n, EventOutcome.EVENT_OUTCOME_REFUSED, "FAILED_PRECONDITION"],
      [4n, EventOutcome.EVENT_OUTCOME_REFUSED, "FAILED_PRECONDITION"],
      [5n, EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
      [6n, EventOutcome.EVENT_OUTCOME_REFUSED, "INVALID_ARGUMENT"],
    ]);
    assert.deepEqual(
      p.results.map((r) => r.reason),
      [
        'event 1: ticket T1 is issued by "440000", not 510000',
        'event 2: station "519999999" is not registered in 510000',
        "TICKET_EVENT_KIND_CHECK needs an existing ticket; there is none",
        "TICKET_EVENT_KIND_SALE creates the ticket, which exists already",
        "event 5: kind 0 is not in the ticket lifecycle",
        "event 6: occurred_at is missing",
      ],
    );
    assert.deepEqual(
      p.sourceEvents.map((s) => [s.sourceSeq, s.code, s.reason]),
      p.results.map((r) => [r.sourceSeq, r.code, r.reason]),
    );
    assert.deepEqual([p.tickets, p.events, p.emissions, p.messages], [[], [], [], []]);
    assert.equal(p.lastSeq, 0n);
    assert.equal(p.ackedSeq, 6n, "the cursor moves past refusals");
  });

  it("is pure: the facts are left as they were, and the same inputs give the same plan", () => {
    const f = facts({
      cursor: 1n,
      takenKeys: new Map([[1n, `${source}:1`]]),
      tickets: new Map([["T9", stored("T9", 2)]]),
    });
    const events = [
      event(1, K.TICKET_EVENT_KIND_SALE, "T1"),
      event(2, K.TICKET_EVENT_KIND_CHECK, "T9"),
      event(3, K.TICKET_EVENT_KIND_SALE, "T3"),
    ];
    const before = structuredClone({ ...f, events });
    assert.deepEqual(plan(events, f), plan(events, f));
    assert.deepEqual({ ...f, events }, before);
    assert.equal(f.tickets.get("T9")?.version, 2);
  });
});
