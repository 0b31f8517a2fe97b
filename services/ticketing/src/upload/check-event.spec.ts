// The stateless checks of one uploaded event: every refusal with its code, and the well-formed
// events that must pass.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FareType, IdType, TicketEventKind as K, SaleChannel, Ticket, TicketEvent, TicketMedium } from "@hutong/proto";
import { isTicketingError, type TicketingErrorCode } from "../ticketing-error.js";
import { checkEvent, type EventScope } from "./check-event.js";

const province = "510000";
const stations = new Set(["510101001", "510102002"]);
const scope: EventScope = { province, isStation: (code) => stations.has(code) };
const source = "prov:510000/station-510101001";

const soldTicket = (over: Partial<Ticket> = {}): Ticket =>
  Ticket.fromPartial({
    ticketNo: "51202612040000001",
    orderNo: "O51202612040000001",
    issuerProvince: province,
    passenger: { name: "王伟", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "510119800101" },
    routeCode: "51R0001",
    scheduleNo: "000108",
    departTime: new Date("2026-12-04T01:00:00Z"),
    boardStation: { code: "510101001", name: "成都中心站" },
    alightStation: { code: "440101001", name: "广州中心站" },
    fareType: FareType.FARE_TYPE_FULL,
    fareFen: 12_000n,
    saleChannel: SaleChannel.SALE_CHANNEL_WINDOW,
    soldAt: new Date("2026-12-04T00:00:00Z"),
    medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
    ...over,
  });

const sale = (over: Partial<TicketEvent> = {}, ticket: Partial<Ticket> = {}): TicketEvent =>
  TicketEvent.fromPartial({
    idempotencyKey: "station-510101001:1",
    source,
    sourceSeq: 1n,
    kind: K.TICKET_EVENT_KIND_SALE,
    occurredAt: new Date("2026-12-04T00:00:00Z"),
    ticket: soldTicket(ticket),
    refundFeeFen: 0n,
    station: { code: "510101001", name: "成都中心站" },
    ...over,
  });

/** A later event on a ticket: the ticket carries only its number. */
const later = (kind: K, over: Partial<TicketEvent> = {}): TicketEvent =>
  TicketEvent.fromPartial({
    idempotencyKey: "station-510101001:2",
    source,
    sourceSeq: 2n,
    kind,
    occurredAt: new Date("2026-12-04T00:30:00Z"),
    ticket: Ticket.fromPartial({ ticketNo: "51202612040000001" }),
    refundFeeFen: 0n,
    station: { code: "510101001", name: "成都中心站" },
    ...over,
  });

const changeIn = (ticket: Partial<Ticket> = {}): TicketEvent =>
  sale(
    { kind: K.TICKET_EVENT_KIND_CHANGE_IN, sourceSeq: 3n, idempotencyKey: "station-510101001:3" },
    { ticketNo: "51202612040000002", origTicketNo: "51202612040000001", ...ticket },
  );

/** Asserts checkEvent refuses `event` with `code`, its message naming the event and `says`. */
function refuses(event: TicketEvent, code: TicketingErrorCode, says: string | RegExp, batchSource = source): void {
  assert.throws(
    () => checkEvent(scope, batchSource, event),
    (e: unknown) => {
      assert.ok(isTicketingError(e), `not a TicketingError: ${String(e)}`);
      assert.equal(e.code, code, `code of "${e.message}"`);
      assert.ok(e.message.startsWith(`event ${event.sourceSeq}: `), e.message);
      if (typeof says === "string") assert.ok(e.message.includes(says), `"${e.message}" lacks "${says}"`);
      else assert.match(e.message, says);
      return true;
    },
  );
}

describe("checkEvent", () => {
  describe("passes well-formed events", () => {
    it("a sale with every field a sale needs", () => {
      assert.doesNotThrow(() => checkEvent(scope, source, sale()));
    });
    it("a refund whose ticket carries only ticket_no, with or without a fee", () => {
      assert.doesNotThrow(() => checkEvent(scope, source, later(K.TICKET_EVENT_KIND_REFUND)));
      assert.doesNotThrow(() => checkEvent(scope, source, later(K.TICKET_EVENT_KIND_REFUND, { refundFeeFen: 1200n })));
    });
    it("every later kind on a ticket carrying only ticket_no, or naming this province as issuer", () => {
      for (const kind of [
        K.TICKET_EVENT_KIND_REFUND,
        K.TICKET_EVENT_KIND_CHANGE_OUT,
        K.TICKET_EVENT_KIND_CHECK,
        K.TICKET_EVENT_KIND_NO_SHOW,
        K.TICKET_EVENT_KIND_VOID,
        K.TICKET_EVENT_KIND_CHECK_REVOKED,
      ]) {
        assert.doesNotThrow(() => checkEvent(scope, source, later(kind)), K[kind]);
        const named = later(kind, { ticket: Ticket.fromPartial({ ticketNo: "A1", issuerProvince: province }) });
        assert.doesNotThrow(() => checkEvent(scope, source, named), K[kind]);
      }
    });
    it("a change-in naming the ticket it replaces", () => {
      assert.doesNotThrow(() => checkEvent(scope, source, changeIn()));
    });
    it("the edges of what is allowed: a 128-character key, a 32-character ticket number, a fare of 0", () => {
      assert.doesNotThrow(() => checkEvent(scope, source, sale({ idempotencyKey: "k".repeat(128) })));
      assert.doesNotThrow(() => checkEvent(scope, source, sale({ idempotencyKey: "!~" })));
      assert.doesNotThrow(() => checkEvent(scope, source, sale({}, { ticketNo: "Z9".repeat(16) })));
      assert.doesNotThrow(() => checkEvent(scope, source, sale({}, { fareFen: 0n })));
    });
    it("a sale boarding at another registered station than the one reporting it", () => {
      assert.doesNotThrow(() =>
        checkEvent(scope, source, sale({}, { boardStation: { code: "510102002", name: "成都东站" } })),
      );
    });
  });

  describe("refuses malformed events", () => {
    it("an idempotency key that is empty, 129 characters, or holds a space or a non-ASCII character", () => {
      const says = "idempotency_key must be 1 to 128 printable characters";
      for (const key of ["", "k".repeat(129), "station 1:1", " station:1", "station:1 ", "票:1", "station:\t1", "é"]) {
        refuses(sale({ idempotencyKey: key }), "malformed", says);
      }
    });
    it("a source other than the batch's", () => {
      refuses(sale({ source: "prov:510000/station-510102002" }), "malformed", "is not the batch's \"prov:510000");
      refuses(sale({ source: "" }), "malformed", "is not the batch's");
      refuses(sale(), "malformed", "is not the batch's", "prov:510000/station-510102002");
    });
    it("no occurred_at", () => {
      refuses(sale({ occurredAt: undefined }), "malformed", "occurred_at is missing");
      refuses(later(K.TICKET_EVENT_KIND_CHECK, { occurredAt: undefined }), "malformed", "occurred_at is missing");
    });
    it("no ticket, or a ticket_no that is empty, too long or not of [0-9A-Z]", () => {
      const says = "ticket.ticket_no must be 1 to 32 of [0-9A-Z]";
      refuses(sale({ ticket: undefined }), "malformed", says);
      refuses(later(K.TICKET_EVENT_KIND_REFUND, { ticket: undefined }), "malformed", says);
      for (const ticketNo of ["", "A".repeat(33), "abc123", "51-2026", "51 2026", "５１", "A\n"]) {
        refuses(sale({}, { ticketNo }), "malformed", says);
        refuses(later(K.TICKET_EVENT_KIND_CHECK, { ticket: Ticket.fromPartial({ ticketNo }) }), "malformed", says);
      }
    });
    it("a sale without depart_time or route_code, or with a negative fare", () => {
      const says = "a sale needs depart_time, route_code and a fare of 0 or more";
      refuses(sale({}, { departTime: undefined }), "malformed", says);
      refuses(sale({}, { routeCode: "" }), "malformed", says);
      refuses(sale({}, { fareFen: -1n }), "malformed", says);
      refuses(changeIn({ departTime: undefined }), "malformed", says);
      refuses(changeIn({ fareFen: -100n }), "malformed", says);
    });
    it("a change-in without a well-formed orig_ticket_no", () => {
      const says = "a change-in names the ticket it replaces (orig_ticket_no)";
      refuses(changeIn({ origTicketNo: "" }), "malformed", says);
      refuses(changeIn({ origTicketNo: "abc" }), "malformed", says);
      refuses(changeIn({ origTicketNo: "A".repeat(33) }), "malformed", says);
    });
    it("a refund_fee on anything but a refund, or a negative one", () => {
      const says = "refund_fee_fen is for a refund, and not negative";
      refuses(sale({ refundFeeFen: 100n }), "malformed", says);
      refuses(
        sale({ kind: K.TICKET_EVENT_KIND_CHANGE_IN, refundFeeFen: 100n }, { origTicketNo: "A1" }),
        "malformed",
        says,
      );
      for (const kind of [
        K.TICKET_EVENT_KIND_CHANGE_OUT,
        K.TICKET_EVENT_KIND_CHECK,
        K.TICKET_EVENT_KIND_NO_SHOW,
        K.TICKET_EVENT_KIND_VOID,
        K.TICKET_EVENT_KIND_CHECK_REVOKED,
      ]) {
        refuses(later(kind, { refundFeeFen: 1n }), "malformed", says);
      }
      refuses(later(K.TICKET_EVENT_KIND_REFUND, { refundFeeFen: -1n }), "malformed", says);
    });
  });

  describe("refuses the rest with their own codes", () => {
    it("an event kind the lifecycle does not know: unset (0), a newer one (99), UNRECOGNIZED (-1)", () => {
      for (const kind of [0, 99, -1]) {
        refuses(sale({ kind }), "unknown-event-kind", `kind ${kind} is not in the ticket lifecycle`);
        refuses(later(kind), "unknown-event-kind", `kind ${kind} is not in the ticket lifecycle`);
      }
    });
    it("an event at a station the province does not register, or at none", () => {
      refuses(sale({ station: { code: "510199009", name: "?" } }), "unknown-station", 'station "510199009"');
      refuses(later(K.TICKET_EVENT_KIND_CHECK, { station: undefined }), "unknown-station", 'station ""');
      refuses(
        later(K.TICKET_EVENT_KIND_CHECK, { station: { code: "440101001", name: "广州中心站" } }),
        "unknown-station",
        'station "440101001" is not registered in 510000',
      );
    });
    it("a sale boarding at a station the province does not register", () => {
      refuses(
        sale({}, { boardStation: { code: "440101001", name: "广州中心站" } }),
        "unknown-station",
        'boarding station "440101001" is not registered in 510000',
      );
      refuses(sale({}, { boardStation: undefined }), "unknown-station", 'boarding station ""');
      refuses(changeIn({ boardStation: { code: "510199009", name: "?" } }), "unknown-station", "boarding station");
    });
    it("a sale of a ticket another province issues, or that names no issuer", () => {
      refuses(sale({}, { issuerProvince: "440000" }), "foreign-ticket", 'is issued by "440000", not 510000');
      refuses(sale({}, { issuerProvince: "" }), "foreign-ticket", 'is issued by "", not 510000');
      refuses(changeIn({ issuerProvince: "310000" }), "foreign-ticket", 'is issued by "310000"');
    });
    it("a later event naming another issuer", () => {
      for (const kind of [K.TICKET_EVENT_KIND_REFUND, K.TICKET_EVENT_KIND_CHECK, K.TICKET_EVENT_KIND_VOID]) {
        refuses(
          later(kind, { ticket: Ticket.fromPartial({ ticketNo: "A1", issuerProvince: "440000" }) }),
          "foreign-ticket",
          'ticket A1 is issued by "440000", not 510000',
        );
      }
    });
  });
});
