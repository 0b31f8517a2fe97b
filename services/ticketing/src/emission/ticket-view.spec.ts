// What a delivery may carry of a ticket: the contract's open fetch view for its purpose, and the
// projection of a ticket to it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CheckStatus,
  FareType,
  IdType,
  type Person,
  Purpose,
  RecordKind,
  recordSchemas,
  SaleChannel,
  SaleStatus,
  Ticket,
  TicketMedium,
} from "@hutong/proto";
import fc from "fast-check";
import { isTicketingError } from "../ticketing-error.js";
import { deliveryFields, projectTicket } from "./ticket-view.js";

const view = (name: string): readonly string[] => {
  const fields = recordSchemas.get(RecordKind.RECORD_KIND_E_TICKET)?.views.get(name);
  assert.ok(fields, `the contract has no e-ticket view "${name}"`);
  return fields;
};

const passenger: Person = {
  name: "王伟",
  idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
  idNo: "51011919800101123X",
  phone: "13800000000",
};
const buyer: Person = {
  name: "李芳",
  idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
  idNo: "44011919900202456X",
  phone: "13900000000",
};

const full: Ticket = {
  ticketNo: "51202612040000001",
  orderNo: "O51202612040000001",
  issuerProvince: "510000",
  passenger,
  buyer,
  routeCode: "51R0001",
  scheduleNo: "000108",
  departTime: new Date("2026-12-04T01:00:00Z"),
  boardStation: { code: "510101001", name: "成都中心站" },
  alightStation: { code: "440101001", name: "广州中心站" },
  seatNo: "12",
  seatType: "1",
  fareType: FareType.FARE_TYPE_FULL,
  fareFen: 12_000n,
  serviceFeeFen: 100n,
  insuranceFen: 200n,
  carrierUscc: "91510100MA00000001",
  carrierName: "51客运有限公司",
  vehiclePlate: "川A12345",
  saleStatus: SaleStatus.SALE_STATUS_SOLD,
  checkStatus: CheckStatus.CHECK_STATUS_CHECKED,
  saleChannel: SaleChannel.SALE_CHANNEL_ONLINE,
  origTicketNo: "51202612030000009",
  invoiceNo: "INV0001",
  soldAt: new Date("2026-12-04T00:00:00Z"),
  checkedAt: new Date("2026-12-04T00:55:00Z"),
  statusUpdatedAt: new Date("2026-12-04T00:55:00Z"),
  medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
};

const empty = Ticket.fromPartial({});

const clone = (t: Ticket): Ticket => structuredClone(t);

describe("deliveryFields", () => {
  it("gives regulatory supervision the contract's operational view of a ticket", () => {
    const fields = deliveryFields(Purpose.PURPOSE_REGULATORY_SUPERVISION);
    assert.deepEqual([...fields], [...view("operational")]);
    assert.ok(!fields.some((f) => f.startsWith("ticket.passenger") || f.startsWith("ticket.buyer")));
    assert.ok(!fields.includes("ticket.order_no"));
  });

  it("gives reconciliation the contract's reconciliation view", () => {
    assert.deepEqual([...deliveryFields(Purpose.PURPOSE_RECONCILIATION)], [...view("reconciliation")]);
  });

  it("refuses, as invalid-config, a purpose whose ticket fetch is denied, needs a grant, or is not in the policy", () => {
    for (const purpose of [
      Purpose.PURPOSE_BOARDING_CHECK, // fetch denied
      Purpose.PURPOSE_TICKET_SERVICE, // grant only (holder)
      Purpose.PURPOSE_THROUGH_TICKET, // grant only (holder)
      Purpose.PURPOSE_INVOICING, // grant only (holder)
      Purpose.PURPOSE_EMERGENCY, // grant only (authority)
      Purpose.PURPOSE_LAW_ENFORCEMENT, // fetch denied
      Purpose.PURPOSE_LICENCE_USE, // no e-ticket rule at all
      Purpose.PURPOSE_UNSPECIFIED, // no policy row
      Purpose.UNRECOGNIZED,
      99 as Purpose,
    ]) {
      assert.throws(
        () => deliveryFields(purpose),
        (e: unknown) =>
          isTicketingError(e, "invalid-config") && e.message.includes(`purpose ${purpose} releases no ticket field`),
        `purpose ${Purpose[purpose] ?? purpose}`,
      );
    }
  });
});

describe("projectTicket", () => {
  it('keeps everything for "ticket", as a copy', () => {
    const t = clone(full);
    const p = projectTicket(t, ["ticket"]);
    assert.deepEqual(p, full);
    assert.notEqual(p, t);
    assert.notEqual(p.passenger, t.passenger);
    assert.deepEqual(projectTicket(t, ["ticket.fare_fen", "ticket"]), full);
  });

  it("refuses a path that is not the ticket record's, rather than releasing the whole ticket", () => {
    for (const path of ["order_no", "", "tickets.order_no", "ticket.", "ticket..name", "licence.holder"]) {
      assert.throws(
        () => projectTicket(full, [path]),
        (e: unknown) => isTicketingError(e, "invalid-config"),
        `path ${JSON.stringify(path)}`,
      );
    }
  });

  it("keeps nothing for no path", () => {
    assert.deepEqual(projectTicket(full, []), empty);
  });

  it("keeps exactly a listed top-level field, snake_case path to camelCase field", () => {
    assert.deepEqual(projectTicket(full, ["ticket.fare_fen"]), { ...empty, fareFen: 12_000n });
    assert.deepEqual(projectTicket(full, ["ticket.ticket_no", "ticket.depart_time"]), {
      ...empty,
      ticketNo: full.ticketNo,
      departTime: full.departTime,
    });
    assert.deepEqual(projectTicket(full, ["ticket.board_station"]), { ...empty, boardStation: full.boardStation });
  });

  it('keeps only the name for "ticket.passenger.name", and merges sibling paths', () => {
    assert.deepEqual(projectTicket(full, ["ticket.passenger.name"]), {
      ...empty,
      passenger: { name: "王伟", idType: 0, idNo: "", phone: "" },
    });
    assert.deepEqual(projectTicket(full, ["ticket.passenger.name", "ticket.passenger.id_no", "ticket.ticket_no"]), {
      ...empty,
      ticketNo: full.ticketNo,
      passenger: { name: "王伟", idType: 0, idNo: passenger.idNo, phone: "" },
    });
    assert.deepEqual(projectTicket(full, ["ticket.passenger"]), { ...empty, passenger });
  });

  it("leaves a message the ticket does not have unset, even when a path names a field inside it", () => {
    const noBuyer = { ...clone(full), buyer: undefined };
    assert.deepEqual(projectTicket(noBuyer, ["ticket.buyer.name"]), empty);
    assert.deepEqual(projectTicket(noBuyer, ["ticket.buyer"]), empty);
  });

  it("drops passenger, buyer, order_no and invoice_no for the operational view, and keeps the rest as it is", () => {
    const p = projectTicket(full, view("operational"));
    assert.equal(p.passenger, undefined);
    assert.equal(p.buyer, undefined);
    assert.equal(p.orderNo, "");
    assert.equal(p.invoiceNo, "");
    assert.deepEqual(p, { ...full, passenger: undefined, buyer: undefined, orderNo: "", invoiceNo: "" });
    const wire = JSON.stringify(Ticket.toJSON(p));
    for (const secret of [passenger.name, passenger.idNo, passenger.phone, buyer.name, buyer.idNo, full.orderNo]) {
      assert.ok(!wire.includes(secret), `the projection carries "${secret}"`);
    }
  });

  it("leaves the ticket it projects as it was", () => {
    const t = clone(full);
    projectTicket(t, [
      "ticket.passenger",
      "ticket.passenger.name",
      "ticket.board_station.code",
      ...view("operational"),
    ]);
    projectTicket(t, ["ticket"]);
    assert.deepEqual(t, full);
  });

  const noNull = { noNullPrototype: true };
  const person = fc.record(
    {
      name: fc.string({ minLength: 1 }),
      idType: fc.integer({ min: 0, max: 5 }),
      idNo: fc.string(),
      phone: fc.string(),
    },
    noNull,
  );
  const station = fc.record({ code: fc.string(), name: fc.string() }, noNull);
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const date = fc.option(fc.date({ noInvalidDate: true }), { nil: undefined });
  const tickets: fc.Arbitrary<Ticket> = fc.record(
    {
      ticketNo: fc.string(),
      orderNo: fc.string(),
      issuerProvince: fc.string(),
      passenger: fc.option(person, { nil: undefined }),
      buyer: fc.option(person, { nil: undefined }),
      routeCode: fc.string(),
      scheduleNo: fc.string(),
      departTime: date,
      boardStation: fc.option(station, { nil: undefined }),
      alightStation: fc.option(station, { nil: undefined }),
      seatNo: fc.string(),
      seatType: fc.string(),
      fareType: fc.integer({ min: 0, max: 4 }),
      fareFen: int64,
      serviceFeeFen: int64,
      insuranceFen: int64,
      carrierUscc: fc.string(),
      carrierName: fc.string(),
      vehiclePlate: fc.string(),
      saleStatus: fc.integer({ min: 0, max: 6 }),
      checkStatus: fc.integer({ min: 0, max: 4 }),
      saleChannel: fc.integer({ min: 0, max: 5 }),
      origTicketNo: fc.string(),
      invoiceNo: fc.string(),
      soldAt: date,
      checkedAt: date,
      statusUpdatedAt: date,
      medium: fc.integer({ min: 0, max: 2 }),
    },
    noNull,
  );

  it("property: the operational projection of any ticket carries no passenger or buyer, and is idempotent", () => {
    const operational = view("operational");
    fc.assert(
      fc.property(tickets, (t) => {
        const p = projectTicket(t, operational);
        assert.equal(p.passenger, undefined);
        assert.equal(p.buyer, undefined);
        assert.equal(p.orderNo, "");
        assert.equal(p.invoiceNo, "");
        assert.deepEqual(projectTicket(p, operational), p);
        assert.deepEqual(p, { ...t, passenger: undefined, buyer: undefined, orderNo: "", invoiceNo: "" });
      }),
      { numRuns: 300 },
    );
  });

  it("property: a projection never adds, every kept field is the ticket's own, and projecting twice changes nothing", () => {
    const paths = fc.subarray([
      ...view("operational"),
      "ticket.passenger.name",
      "ticket.passenger.id_no",
      "ticket.buyer",
      "ticket.order_no",
      "ticket.invoice_no",
    ]);
    fc.assert(
      fc.property(tickets, paths, (t, fields) => {
        const p = projectTicket(t, fields);
        assert.deepEqual(projectTicket(p, fields), p);
        assert.deepEqual(projectTicket(t, ["ticket"]), t);
        for (const [key, value] of Object.entries(p) as [keyof Ticket, unknown][]) {
          const kept = fields.some(
            (f) => f.split(".")[1]?.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) === key,
          );
          if (!kept) assert.deepEqual(value, empty[key], `${key} is not listed, yet kept`);
          else if (key !== "passenger") assert.deepEqual(value, t[key], `${key} differs from the ticket's`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
