import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  IdType,
  type Invoice,
  InvoiceKind,
  IssueInvoiceRequest,
  ReversalReason,
  ReverseInvoiceRequest,
  SpecialElementType,
  TaxpayerType,
  VehicleType,
} from "@hutong/proto";
import { checkIssue, checkReverse } from "./check-requests.js";

// The personal values of the draft: no refusal may quote them (messages name fields, not values).
const travellerName = "欧阳娜娜";
const travellerIdNo = "510104199001011234";
const personal = [travellerName, travellerIdNo];

/** A consistent passenger-transport draft: 100.00 + 23.45, tax 9.00 + 2.1105 → 11.11 to the fen. */
function draft(overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceNo: "",
    issuedAt: undefined,
    kind: InvoiceKind.INVOICE_KIND_ORDINARY,
    specialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT,
    blue: true,
    reversedInvoiceNo: "",
    sellerTaxId: "91510100MA61234567",
    sellerName: "成都汽车客运站有限公司",
    sellerTaxpayerType: TaxpayerType.TAXPAYER_TYPE_GENERAL,
    buyerTaxId: "",
    buyerName: travellerName,
    totalAmount: "123.45",
    totalTax: "11.11",
    totalWithTax: "134.56",
    totalWithTaxInWords: "",
    issuerClerk: "系统",
    remarks: "",
    lines: [
      {
        lineNo: 1,
        itemName: "*运输服务*客运服务费",
        taxClassificationCode: "3010101020101000000",
        amount: "100.00",
        taxRate: "0.09",
        taxAmount: "9.00",
      },
      {
        lineNo: 2,
        itemName: "*运输服务*行李服务费",
        taxClassificationCode: "3010101020101000000",
        amount: "23.45",
        taxRate: "0.09",
        taxAmount: "2.1105",
      },
    ],
    passengerElements: [
      {
        travellerName,
        travellerIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
        travellerIdNo,
        travelTime: new Date("2026-12-04T00:30:00Z"),
        origin: "成都",
        destination: "重庆",
        seatClass: "普通座",
        vehicleType: VehicleType.VEHICLE_TYPE_COACH,
      },
    ],
    ticketNo: "5101000020261204000001",
    ...overrides,
  };
}

const issue = (d: Invoice | null = draft(), key = "5101000020261204000001:blue"): IssueInvoiceRequest =>
  IssueInvoiceRequest.fromPartial({ idempotencyKey: key, ...(d === null ? {} : { draft: d }) });

/** The refusal, which must start with `field` and quote no personal value. */
function refused(problem: string | undefined, field: string): void {
  assert.ok(problem !== undefined, `expected a refusal naming ${field}`);
  assert.ok(problem.startsWith(field), `${JSON.stringify(problem)} should name ${field}`);
  for (const v of personal) assert.ok(!problem.includes(v), `${JSON.stringify(problem)} quotes a personal value`);
}

describe("checkIssue", () => {
  it("accepts a consistent draft, ordinary or special", () => {
    assert.equal(checkIssue(issue()), undefined);
    assert.equal(checkIssue(issue(draft({ kind: InvoiceKind.INVOICE_KIND_SPECIAL }))), undefined);
    // Tax is compared to the fen: the lines' 11.1105 is the total's 11.11.
    assert.equal(checkIssue(issue(draft({ totalTax: "11.11" }))), undefined);
    // Only a passenger-transport invoice must name travellers.
    assert.equal(
      checkIssue(
        issue(
          draft({ specialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_UNSPECIFIED, passengerElements: [] }),
        ),
      ),
      undefined,
    );
  });

  it("refuses a bad idempotency key", () => {
    // The ID number in a key with a space: the refusal must not echo it.
    for (const key of ["", `${travellerIdNo} x`, "k".repeat(129), `${travellerName}`, "a\tb"]) {
      refused(checkIssue(issue(draft(), key)), "idempotency_key");
    }
    assert.equal(checkIssue(issue(draft(), "k".repeat(128))), undefined);
  });

  it("refuses a request without a draft", () => {
    const none = issue(null);
    assert.equal(none.draft, undefined);
    refused(checkIssue(none), "draft: required");
  });

  it("refuses a draft that sets the platform's invoice number or date", () => {
    refused(checkIssue(issue(draft({ invoiceNo: "26510000000000000001" }))), "draft: invoice_no and issued_at");
    refused(checkIssue(issue(draft({ issuedAt: new Date() }))), "draft: invoice_no and issued_at");
  });

  it("refuses a red draft", () => {
    refused(checkIssue(issue(draft({ blue: false }))), "draft.blue");
  });

  it("refuses kinds other than ordinary and special", () => {
    for (const kind of [
      InvoiceKind.INVOICE_KIND_UNSPECIFIED,
      InvoiceKind.INVOICE_KIND_MOTOR_VEHICLE,
      InvoiceKind.INVOICE_KIND_RAIL_TICKET,
      InvoiceKind.UNRECOGNIZED,
    ]) {
      refused(checkIssue(issue(draft({ kind }))), "draft.kind");
    }
  });

  it("refuses a seller tax id that is not 15-20 digits or capitals", () => {
    for (const sellerTaxId of ["", "91510100ma61234567", "91510100MA6123", "9".repeat(21), travellerName]) {
      refused(checkIssue(issue(draft({ sellerTaxId }))), "draft.seller_tax_id");
    }
    assert.equal(checkIssue(issue(draft({ sellerTaxId: "9".repeat(15) }))), undefined);
    assert.equal(checkIssue(issue(draft({ sellerTaxId: "9".repeat(20) }))), undefined);
  });

  it("refuses a draft without its ticket", () => {
    refused(checkIssue(issue(draft({ ticketNo: "" }))), "draft.ticket_no");
  });

  it("refuses a passenger-transport draft that names no traveller", () => {
    refused(checkIssue(issue(draft({ passengerElements: [] }))), "draft.passenger_elements");
  });

  it("refuses a draft without lines, or lines out of order", () => {
    refused(checkIssue(issue(draft({ lines: [] }))), "draft.lines");
    const [l1, l2] = draft().lines as [Invoice["lines"][0], Invoice["lines"][0]];
    refused(checkIssue(issue(draft({ lines: [l2, l1] }))), "draft.lines[0].line_no");
    refused(checkIssue(issue(draft({ lines: [l1, { ...l2, lineNo: 3 }] }))), "draft.lines[1].line_no");
  });

  it("refuses a line whose amounts are not decimal strings", () => {
    const [l1, l2] = draft().lines as [Invoice["lines"][0], Invoice["lines"][0]];
    // A personal value where an amount belongs (18 digits: too many) must not be echoed.
    refused(checkIssue(issue(draft({ lines: [l1, { ...l2, amount: travellerIdNo }] }))), "draft.lines[1]");
    refused(checkIssue(issue(draft({ lines: [{ ...l1, taxAmount: travellerName }, l2] }))), "draft.lines[0]");
    refused(checkIssue(issue(draft({ lines: [{ ...l1, taxRate: "9%" }, l2] }))), "draft.lines[0]");
  });

  it("refuses totals that are not decimal strings", () => {
    refused(checkIssue(issue(draft({ totalAmount: "" }))), "draft totals");
    refused(checkIssue(issue(draft({ totalTax: "11,11" }))), "draft totals");
    refused(checkIssue(issue(draft({ totalWithTax: travellerName }))), "draft totals");
  });

  it("refuses totals that do not add up", () => {
    refused(checkIssue(issue(draft({ totalAmount: "123.46", totalWithTax: "134.57" }))), "draft.total_amount");
    refused(checkIssue(issue(draft({ totalTax: "11.12", totalWithTax: "134.57" }))), "draft.total_tax");
    refused(checkIssue(issue(draft({ totalWithTax: "134.55" }))), "draft.total_with_tax");
  });

  // The channel's amounts are non-negative (hjje, je: /^\d{1,16}(\.\d{1,2})?$/) and its jshj must
  // be > 0: such a blue draft is refused there for good, after it has been queued.
  it("refuses a blue draft with negative or zero amounts", {}, () => {
    const negative = draft({
      totalAmount: "-100.00",
      totalTax: "-9.00",
      totalWithTax: "-109.00",
      lines: [{ ...(draft().lines[0] as Invoice["lines"][0]), amount: "-100.00", taxAmount: "-9.00" }],
    });
    refused(checkIssue(issue(negative)), "draft");
    const zero = draft({
      totalAmount: "0.00",
      totalTax: "0.00",
      totalWithTax: "0.00",
      lines: [{ ...(draft().lines[0] as Invoice["lines"][0]), amount: "0.00", taxAmount: "0.00" }],
    });
    refused(checkIssue(issue(zero)), "draft");
  });
});

const fullReversal = (overrides: Partial<ReverseInvoiceRequest> = {}): ReverseInvoiceRequest =>
  ReverseInvoiceRequest.fromPartial({
    idempotencyKey: "5101000020261204000001:red",
    blueIdempotencyKey: "5101000020261204000001:blue",
    reason: ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED,
    ticketNo: "5101000020261204000001",
    ...overrides,
  });

const partialReversal = (overrides: Partial<ReverseInvoiceRequest> = {}): ReverseInvoiceRequest =>
  fullReversal({
    reversalAmount: "-50.00",
    reversalTax: "-4.50",
    lines: [{ blueLineNo: 1, amount: "-50.00", taxAmount: "-4.50" }],
    ...overrides,
  });

describe("checkReverse", () => {
  it("accepts a full reversal, by key or by number, for every known reason", () => {
    assert.equal(checkReverse(fullReversal()), undefined);
    assert.equal(
      checkReverse(fullReversal({ blueIdempotencyKey: "", blueInvoiceNo: "26510000000000000001" })),
      undefined,
    );
    for (const reason of [
      ReversalReason.REVERSAL_REASON_ISSUE_ERROR,
      ReversalReason.REVERSAL_REASON_GOODS_RETURNED,
      ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED,
      ReversalReason.REVERSAL_REASON_SALES_ALLOWANCE,
    ]) {
      assert.equal(checkReverse(fullReversal({ reason })), undefined);
    }
  });

  it("accepts a partial reversal whose lines add up, or with no lines", () => {
    assert.equal(checkReverse(partialReversal()), undefined);
    assert.equal(
      checkReverse(
        partialReversal({
          reversalAmount: "-73.45",
          reversalTax: "-6.61",
          lines: [
            { blueLineNo: 1, amount: "-50.00", taxAmount: "-4.50" },
            { blueLineNo: 2, amount: "-23.45", taxAmount: "-2.11" },
          ],
        }),
      ),
      undefined,
    );
    assert.equal(checkReverse(partialReversal({ lines: [] })), undefined);
    // A 0% line reverses no tax.
    assert.equal(
      checkReverse(
        partialReversal({ reversalTax: "0.00", lines: [{ blueLineNo: 1, amount: "-50.00", taxAmount: "0.00" }] }),
      ),
      undefined,
    );
  });

  it("refuses a bad idempotency key", () => {
    for (const idempotencyKey of ["", "a b", "k".repeat(129), travellerName]) {
      refused(checkReverse(fullReversal({ idempotencyKey })), "idempotency_key");
    }
  });

  it("wants exactly one of the blue invoice's key and number", () => {
    refused(
      checkReverse(fullReversal({ blueIdempotencyKey: "", blueInvoiceNo: "" })),
      "give exactly one of blue_idempotency_key and blue_invoice_no",
    );
    refused(
      checkReverse(fullReversal({ blueInvoiceNo: "26510000000000000001" })),
      "give exactly one of blue_idempotency_key and blue_invoice_no",
    );
  });

  it("refuses a malformed blue key or number", () => {
    refused(checkReverse(fullReversal({ blueIdempotencyKey: `${travellerIdNo} x` })), "blue_idempotency_key");
    for (const blueInvoiceNo of ["2651000000000000000", "265100000000000000012", "2651000000000000000A"]) {
      refused(checkReverse(fullReversal({ blueIdempotencyKey: "", blueInvoiceNo })), "blue_invoice_no");
    }
  });

  it("refuses an unspecified or unknown reason", () => {
    refused(checkReverse(fullReversal({ reason: ReversalReason.REVERSAL_REASON_UNSPECIFIED })), "reason");
    refused(checkReverse(fullReversal({ reason: 5 as ReversalReason })), "reason");
    refused(checkReverse(fullReversal({ reason: 99 as ReversalReason })), "reason");
  });

  // ts-proto's enum has UNRECOGNIZED = -1, so ReversalReason[-1] is "UNRECOGNIZED", not undefined:
  // the connector then asks the channel for chyyDm "-1", refused there for good.
  it("refuses the UNRECOGNIZED reason a decoder gives an unknown value", {}, () => {
    refused(checkReverse(fullReversal({ reason: ReversalReason.UNRECOGNIZED })), "reason");
    // What a peer sending reason = -1 on the wire produces.
    const decoded = ReverseInvoiceRequest.decode(
      ReverseInvoiceRequest.encode(fullReversal({ reason: -1 as ReversalReason })).finish(),
    );
    refused(checkReverse(decoded), "reason");
  });

  it("refuses a reversal without its ticket", () => {
    refused(checkReverse(fullReversal({ ticketNo: "" })), "ticket_no");
  });

  it("refuses lines on a full reversal", () => {
    refused(
      checkReverse(fullReversal({ lines: [{ blueLineNo: 1, amount: "-50.00", taxAmount: "-4.50" }] })),
      "lines: only with reversal_amount",
    );
  });

  it("refuses amounts that are not negative, or only one of them", () => {
    const field = "reversal_amount, reversal_tax";
    refused(checkReverse(partialReversal({ reversalAmount: "50.00", reversalTax: "4.50", lines: [] })), field);
    refused(checkReverse(partialReversal({ reversalAmount: "0.00", reversalTax: "0.00", lines: [] })), field);
    refused(checkReverse(partialReversal({ reversalAmount: "-50.00", reversalTax: "4.50", lines: [] })), field);
    refused(checkReverse(partialReversal({ reversalAmount: "-50.00", reversalTax: "", lines: [] })), field);
    refused(checkReverse(partialReversal({ reversalAmount: "", reversalTax: "-4.50", lines: [] })), field);
    refused(checkReverse(partialReversal({ reversalAmount: travellerIdNo, reversalTax: "x", lines: [] })), field);
  });

  it("refuses lines that do not add up to the amounts", () => {
    const field = "lines: their amounts must add up";
    refused(checkReverse(partialReversal({ reversalAmount: "-60.00" })), field);
    refused(checkReverse(partialReversal({ reversalTax: "-4.51" })), field);
    refused(
      checkReverse(
        partialReversal({
          lines: [
            { blueLineNo: 1, amount: "-25.00", taxAmount: "-2.25" },
            { blueLineNo: 2, amount: "-20.00", taxAmount: "-2.25" },
          ],
        }),
      ),
      field,
    );
  });

  it("refuses a line without a blue line number, or with amounts that are not decimals", () => {
    refused(
      checkReverse(partialReversal({ lines: [{ blueLineNo: 0, amount: "-50.00", taxAmount: "-4.50" }] })),
      "lines[0]",
    );
    refused(
      checkReverse(partialReversal({ lines: [{ blueLineNo: 1, amount: travellerName, taxAmount: "-4.50" }] })),
      "lines[0]",
    );
    refused(checkReverse(partialReversal({ lines: [{ blueLineNo: 1, amount: "-50.00", taxAmount: "" }] })), "lines[0]");
  });

  // The refusal promises "negative amounts", and the channel's hzqrdmxList je is negative only;
  // +10 and -60 add up to -50 and pass.
  it("refuses a line with a positive amount even when the lines add up", {}, () => {
    refused(
      checkReverse(
        partialReversal({
          lines: [
            { blueLineNo: 1, amount: "10.00", taxAmount: "0.90" },
            { blueLineNo: 2, amount: "-60.00", taxAmount: "-5.40" },
          ],
        }),
      ),
      "lines[0]",
    );
  });

  // The channel refuses a slip that reverses one blue line twice (4002, for good).
  it("refuses a blue line reversed twice in one request", {}, () => {
    refused(
      checkReverse(
        partialReversal({
          lines: [
            { blueLineNo: 1, amount: "-25.00", taxAmount: "-2.25" },
            { blueLineNo: 1, amount: "-25.00", taxAmount: "-2.25" },
          ],
        }),
      ),
      "lines[1]",
    );
  });

  // The channel takes hzcxje and hzcxse with at most 2 places, and compares hzcxse with the lines'
  // se rounded to the fen (as checkIssue does for a draft's tax); checkReverse does the opposite.
  it("takes the reversal's amounts to the fen, as the channel does", {}, () => {
    refused(checkReverse(partialReversal({ reversalAmount: "-50.001", lines: [] })), "reversal_amount");
    refused(checkReverse(partialReversal({ reversalTax: "-4.5012", lines: [] })), "reversal_amount");
    assert.equal(
      checkReverse(
        partialReversal({
          reversalAmount: "-23.45",
          reversalTax: "-2.11",
          lines: [{ blueLineNo: 2, amount: "-23.45", taxAmount: "-2.1105" }],
        }),
      ),
      undefined,
    );
  });
});
