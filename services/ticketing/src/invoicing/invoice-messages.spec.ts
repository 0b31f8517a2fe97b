import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import {
  IdType,
  InvoiceKind,
  IssueInvoiceRequest,
  Purpose,
  ReversalReason,
  ReverseInvoiceRequest,
  SpecialElementType,
  TaxpayerType,
  Ticket,
  TicketEvent,
  TicketEventKind,
  VehicleType,
} from "@hutong/proto";
import fc from "fast-check";
import {
  checkInvoiceSettings,
  invoiceKey,
  invoiceMessages,
  splitTax,
  ticketInvoicesTopic,
} from "./invoice-messages.js";
import type { InvoiceSettings } from "./invoice-settings.js";

const settings: InvoiceSettings = {
  party: "tax:chinatax",
  seller: {
    taxId: "91510100MA61234567",
    name: "成都汽车客运站有限公司",
    taxpayerType: TaxpayerType.TAXPAYER_TYPE_GENERAL,
  },
  taxRate: "0.09",
  taxClassificationCode: "3010101020101000000",
  itemName: "*运输服务*客运服务费",
  clerk: "售票系统",
  refundWithFee: "partial",
};

const ticketNo = "5101000020261204000001";
const departTime = new Date("2026-12-04T00:30:00Z");

function ticket(fareFen = 10_900n): Ticket {
  return Ticket.fromPartial({
    ticketNo,
    passenger: { name: "张三丰", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "510104199001011234" },
    scheduleNo: "K101",
    departTime,
    boardStation: { code: "510100001", name: "成都" },
    alightStation: { code: "500100001", name: "重庆" },
    seatType: "普通座",
    fareFen,
  });
}

const event = (kind: TicketEventKind, refundFeeFen = 0n): TicketEvent =>
  TicketEvent.fromPartial({ idempotencyKey: "e1", kind, refundFeeFen, ticket: ticket() });

// A seal that only prefixes the key: what it wraps can be read back, and that it was applied checked.
const sealPrefix = (key: string) => Buffer.from(`sealed(${key}):`, "utf8");
const seal = (payload: Uint8Array, key: string) => Buffer.concat([sealPrefix(key), payload]);
function unseal(m: OutboxMessageInput): Uint8Array {
  const prefix = sealPrefix(m.idempotencyKey);
  const payload = Buffer.from(m.payload);
  assert.ok(payload.subarray(0, prefix.length).equals(prefix), `${m.idempotencyKey} was not sealed with its key`);
  return payload.subarray(prefix.length);
}

const plan = (e: TicketEvent, t = ticket(), s = settings) => invoiceMessages(s, e, t, seal);

/** The message's routing, which every invoice message shares. */
function assertRouting(m: OutboxMessageInput, key: string): void {
  assert.equal(m.topic, ticketInvoicesTopic);
  assert.equal(m.topic, "ticket-invoices");
  assert.equal(m.destination, "tax:chinatax");
  assert.equal(m.idempotencyKey, key);
  // One ticket's requests in order: a reversal never overtakes its blue invoice.
  assert.equal(m.orderingKey, ticketNo);
}

function assertContext(context: IssueInvoiceRequest["context"] | ReverseInvoiceRequest["context"], key: string): void {
  assert.equal(context?.targetParty, "tax:chinatax");
  assert.equal(context?.purpose, Purpose.PURPOSE_INVOICING);
  assert.equal(context?.correlationId, key);
}

function issueOf(m: OutboxMessageInput): IssueInvoiceRequest {
  return IssueInvoiceRequest.decode(unseal(m));
}

function reverseOf(m: OutboxMessageInput): ReverseInvoiceRequest {
  return ReverseInvoiceRequest.decode(unseal(m));
}

function assertFullReversal(m: OutboxMessageInput | undefined, reason: ReversalReason): void {
  assert.ok(m !== undefined);
  assertRouting(m, `${ticketNo}:red`);
  const r = reverseOf(m);
  assertContext(r.context, `${ticketNo}:red`);
  assert.equal(r.idempotencyKey, `${ticketNo}:red`);
  assert.equal(r.blueIdempotencyKey, `${ticketNo}:blue`);
  assert.equal(r.blueInvoiceNo, "");
  assert.equal(r.reason, reason);
  assert.equal(r.reversalAmount, "");
  assert.equal(r.reversalTax, "");
  assert.deepEqual(r.lines, []);
  assert.equal(r.ticketNo, ticketNo);
}

describe("splitTax", () => {
  it("splits a price with tax into amount and tax", () => {
    assert.deepEqual(splitTax(10_900n, "0.09"), { amount: 10_000n, tax: 900n });
    assert.deepEqual(splitTax(10_300n, "0.03"), { amount: 10_000n, tax: 300n });
    assert.deepEqual(splitTax(0n, "0.09"), { amount: 0n, tax: 0n });
    // A 0% rate keeps it all as amount.
    assert.deepEqual(splitTax(12_345n, "0.0"), { amount: 12_345n, tax: 0n });
  });

  it("rounds the amount to the nearest fen, the tax taking the rest", () => {
    // 100 / 1.09 = 91.74…
    assert.deepEqual(splitTax(100n, "0.09"), { amount: 92n, tax: 8n });
    // 10000 / 1.09 = 9174.31…
    assert.deepEqual(splitTax(10_000n, "0.09"), { amount: 9_174n, tax: 826n });
    // 900 / 1.09 = 825.69…
    assert.deepEqual(splitTax(900n, "0.09"), { amount: 826n, tax: 74n });
    assert.deepEqual(splitTax(1n, "0.09"), { amount: 1n, tax: 0n });
    // Exactly half a fen: 4 / 1.6 = 2.5 rounds up.
    assert.deepEqual(splitTax(4n, "0.6"), { amount: 3n, tax: 1n });
  });

  it("splits a negative total as the negation of its positive, so halves round away from zero", () => {
    assert.deepEqual(splitTax(-10_900n, "0.09"), { amount: -10_000n, tax: -900n });
    assert.deepEqual(splitTax(-100n, "0.09"), { amount: -92n, tax: -8n });
    assert.deepEqual(splitTax(-4n, "0.6"), { amount: -3n, tax: -1n });
  });

  it("always adds up, and is symmetric in sign", () => {
    const rate = fc
      .tuple(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 1, max: 6 }))
      .map(([n, places]) => `0.${String(n).padStart(6, "0").slice(0, places)}`);
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), rate, (total, r) => {
        const { amount, tax } = splitTax(total, r);
        assert.equal(amount + tax, total);
        const neg = splitTax(-total, r);
        assert.deepEqual(neg, { amount: -amount, tax: -tax });
        // The tax has the total's sign, or is zero.
        assert.ok(tax * (total < 0n ? -1n : 1n) >= 0n);
      }),
    );
  });

  it("throws on anything but a rate 0.x with up to six places", () => {
    for (const bad of [
      "",
      "9%",
      "0.09 ",
      " 0.09",
      ".09",
      "0",
      "1",
      "1.0",
      "0.",
      "-0.09",
      "0.1234567",
      "0,09",
      "00.09",
    ]) {
      assert.throws(() => splitTax(100n, bad), /not a tax rate/, JSON.stringify(bad));
    }
  });
});

describe("checkInvoiceSettings", () => {
  it("accepts sensible settings", () => {
    assert.equal(checkInvoiceSettings(settings), undefined);
    assert.equal(checkInvoiceSettings({ ...settings, taxRate: "0.03" }), undefined);
  });

  it("names the setting that is wrong", () => {
    const rate = checkInvoiceSettings({ ...settings, taxRate: "9%" });
    assert.ok(rate?.startsWith("invoicing.taxRate:") && rate.includes('"9%"'), rate);
    assert.ok(
      checkInvoiceSettings({ ...settings, taxClassificationCode: "301010102010100000" })?.startsWith(
        "invoicing.taxClassificationCode:",
      ),
    );
    assert.ok(
      checkInvoiceSettings({ ...settings, taxClassificationCode: "30101010201010000000" })?.startsWith(
        "invoicing.taxClassificationCode:",
      ),
    );
    for (const taxId of ["", "91510100ma61234567", "9151010"]) {
      assert.ok(
        checkInvoiceSettings({ ...settings, seller: { ...settings.seller, taxId } })?.startsWith(
          "invoicing.seller.taxId:",
        ),
        taxId,
      );
    }
  });
});

describe("invoiceMessages", () => {
  for (const kind of [TicketEventKind.TICKET_EVENT_KIND_SALE, TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN]) {
    it(`asks for the blue invoice on ${TicketEventKind[kind]}`, () => {
      const messages = plan(event(kind));
      assert.equal(messages.length, 1);
      const [m] = messages as [OutboxMessageInput];
      const key = `${ticketNo}:blue`;
      assert.equal(key, invoiceKey(ticketNo, "blue"));
      assertRouting(m, key);
      const req = issueOf(m);
      assertContext(req.context, key);
      assert.equal(req.idempotencyKey, key);
      const d = req.draft;
      assert.ok(d !== undefined);
      assert.equal(d.invoiceNo, "");
      assert.equal(d.issuedAt, undefined);
      assert.equal(d.blue, true);
      assert.equal(d.kind, InvoiceKind.INVOICE_KIND_ORDINARY);
      assert.equal(d.specialElementType, SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT);
      assert.equal(d.sellerTaxId, settings.seller.taxId);
      assert.equal(d.sellerName, settings.seller.name);
      assert.equal(d.sellerTaxpayerType, TaxpayerType.TAXPAYER_TYPE_GENERAL);
      assert.equal(d.buyerTaxId, "");
      assert.equal(d.buyerName, "张三丰");
      assert.equal(d.issuerClerk, "售票系统");
      assert.equal(d.remarks, "K101 成都-重庆");
      assert.deepEqual([d.totalAmount, d.totalTax, d.totalWithTax], ["100.00", "9.00", "109.00"]);
      assert.deepEqual(d.lines, [
        {
          lineNo: 1,
          itemName: settings.itemName,
          taxClassificationCode: settings.taxClassificationCode,
          amount: "100.00",
          taxRate: "0.09",
          taxAmount: "9.00",
        },
      ]);
      assert.deepEqual(d.passengerElements, [
        {
          travellerName: "张三丰",
          travellerIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
          travellerIdNo: "510104199001011234",
          travelTime: departTime,
          origin: "成都",
          destination: "重庆",
          seatClass: "普通座",
          vehicleType: VehicleType.VEHICLE_TYPE_COACH,
        },
      ]);
      assert.equal(d.ticketNo, ticketNo);
    });
  }

  it("invoices the buyer when the ticket names one, and 个人 when it names nobody", () => {
    const bought = Ticket.fromPartial({ ...ticket(), buyer: { name: "李四" } });
    assert.equal(
      issueOf(plan(event(TicketEventKind.TICKET_EVENT_KIND_SALE), bought)[0] as OutboxMessageInput).draft?.buyerName,
      "李四",
    );
    const anonymous = Ticket.fromPartial({ ...ticket(), passenger: undefined });
    const d = issueOf(plan(event(TicketEventKind.TICKET_EVENT_KIND_SALE), anonymous)[0] as OutboxMessageInput).draft;
    assert.equal(d?.buyerName, "个人");
  });

  it("reverses the whole blue invoice on a refund without a fee", () => {
    const messages = plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 0n));
    assert.equal(messages.length, 1);
    assertFullReversal(messages[0], ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED);
  });

  it('reverses what was refunded on a refund with a fee, in "partial" mode', () => {
    // 109.00 paid, 9.00 kept: 100.00 refunded = 91.74 + 8.26 tax.
    const messages = plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 900n));
    assert.equal(messages.length, 1);
    const [m] = messages as [OutboxMessageInput];
    assertRouting(m, `${ticketNo}:red`);
    const r = reverseOf(m);
    assertContext(r.context, `${ticketNo}:red`);
    assert.equal(r.blueIdempotencyKey, `${ticketNo}:blue`);
    assert.equal(r.reason, ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED);
    const { amount, tax } = splitTax(-(10_900n - 900n), "0.09");
    assert.deepEqual([amount, tax], [-9_174n, -826n]);
    assert.equal(r.reversalAmount, "-91.74");
    assert.equal(r.reversalTax, "-8.26");
    assert.deepEqual(r.lines, [{ blueLineNo: 1, amount: "-91.74", taxAmount: "-8.26" }]);
  });

  it("writes a sub-yuan partial reversal with its sign and a zero tax unsigned", () => {
    // 0.02 paid, 0.01 kept: 0.01 refunded, all of it amount.
    const r = reverseOf(plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 1n), ticket(2n))[0] as OutboxMessageInput);
    assert.equal(r.reversalAmount, "-0.01");
    assert.equal(r.reversalTax, "0.00");
  });

  it('reverses in full and invoices the fee on a refund with a fee, in "red-and-blue" mode', () => {
    const messages = plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 900n), ticket(), {
      ...settings,
      refundWithFee: "red-and-blue",
    });
    assert.equal(messages.length, 2);
    // The reversal first: the fee invoice follows it in the ticket's order.
    assertFullReversal(messages[0], ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED);
    const fee = messages[1] as OutboxMessageInput;
    assertRouting(fee, `${ticketNo}:fee`);
    const req = issueOf(fee);
    assertContext(req.context, `${ticketNo}:fee`);
    assert.equal(req.idempotencyKey, `${ticketNo}:fee`);
    const d = req.draft;
    assert.deepEqual([d?.totalAmount, d?.totalTax, d?.totalWithTax], ["8.26", "0.74", "9.00"]);
    assert.equal(d?.lines[0]?.itemName, `${settings.itemName}(退票费)`);
    assert.equal(d?.blue, true);
  });

  it("asks for nothing when the fee keeps the whole fare", () => {
    for (const mode of ["partial", "red-and-blue"] as const) {
      const s = { ...settings, refundWithFee: mode };
      assert.deepEqual(plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 10_900n), ticket(), s), []);
      assert.deepEqual(plan(event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 20_000n), ticket(), s), []);
    }
  });

  it("reverses in full on a change-out, for an error on a void", () => {
    const out = plan(event(TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT));
    assert.equal(out.length, 1);
    assertFullReversal(out[0], ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED);
    const voided = plan(event(TicketEventKind.TICKET_EVENT_KIND_VOID));
    assert.equal(voided.length, 1);
    assertFullReversal(voided[0], ReversalReason.REVERSAL_REASON_ISSUE_ERROR);
  });

  it("asks for nothing on events that do not change what was sold", () => {
    for (const kind of [
      TicketEventKind.TICKET_EVENT_KIND_CHECK,
      TicketEventKind.TICKET_EVENT_KIND_NO_SHOW,
      TicketEventKind.TICKET_EVENT_KIND_CHECK_REVOKED,
      TicketEventKind.TICKET_EVENT_KIND_UNSPECIFIED,
    ]) {
      assert.deepEqual(plan(event(kind)), [], TicketEventKind[kind]);
    }
  });

  it("asks for nothing for a free ticket, whatever happens to it", () => {
    for (const kind of [
      TicketEventKind.TICKET_EVENT_KIND_SALE,
      TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN,
      TicketEventKind.TICKET_EVENT_KIND_REFUND,
      TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT,
      TicketEventKind.TICKET_EVENT_KIND_VOID,
    ]) {
      assert.deepEqual(plan(event(kind), ticket(0n)), [], TicketEventKind[kind]);
    }
  });

  it("seals every payload with its own key, and never leaves the traveller readable", () => {
    const keys: string[] = [];
    const scramble = (payload: Uint8Array, key: string) => {
      keys.push(key);
      return Buffer.from(payload).map((b) => b ^ 0x5a);
    };
    const s = { ...settings, refundWithFee: "red-and-blue" as const };
    const messages = [
      ...invoiceMessages(s, event(TicketEventKind.TICKET_EVENT_KIND_SALE), ticket(), scramble),
      ...invoiceMessages(s, event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 900n), ticket(), scramble),
    ];
    assert.deepEqual(keys, [`${ticketNo}:blue`, `${ticketNo}:red`, `${ticketNo}:fee`]);
    assert.deepEqual(
      messages.map((m) => m.idempotencyKey),
      keys,
    );
    for (const m of messages) {
      const bytes = Buffer.from(m.payload);
      assert.equal(bytes.indexOf(Buffer.from("510104199001011234")), -1);
      assert.equal(bytes.indexOf(Buffer.from("张三丰")), -1);
    }
    // Unsealed, the blue request does hold them: the check above can fail.
    const plain = invoiceMessages(s, event(TicketEventKind.TICKET_EVENT_KIND_SALE), ticket(), (p) => p);
    assert.notEqual(
      Buffer.from((plain[0] as OutboxMessageInput).payload).indexOf(Buffer.from("510104199001011234")),
      -1,
    );
  });

  it("asks for the same messages when the same event is applied twice", () => {
    const e = event(TicketEventKind.TICKET_EVENT_KIND_REFUND, 900n);
    const a = plan(e).map(unseal);
    const b = plan(e).map(unseal);
    assert.deepEqual(a, b);
  });
});
