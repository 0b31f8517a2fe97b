import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  IdType,
  type Invoice,
  InvoiceKind,
  InvoiceOutcome,
  InvoiceRequestState,
  SpecialElementType,
  TaxpayerType,
  VehicleType,
} from "@hutong/proto";
import type { TaxInvoice } from "../protocol/tax-api.js";
import { blueRequestSchema } from "../simulator/tax-request-schemas.js";
import { blueRequestOf, invoiceOf, issuedOutcome } from "./invoice-mapping.js";

const travellerName = "欧阳娜娜";
const travellerIdNo = "510104199001011234";
const buyerName = "司马相如";
const clerk = "王开票";
const serial = "0123456789ABCDEF0123456789ABCDEF";

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
    buyerName,
    totalAmount: "100.00",
    totalTax: "9.00",
    totalWithTax: "109.00",
    totalWithTaxInWords: "",
    issuerClerk: clerk,
    remarks: "K101 成都-重庆",
    lines: [
      {
        lineNo: 1,
        itemName: "*运输服务*客运服务费",
        taxClassificationCode: "3010101020101000000",
        amount: "100.00",
        taxRate: "0.09",
        taxAmount: "9.00",
      },
    ],
    passengerElements: [
      {
        travellerName,
        travellerIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
        travellerIdNo,
        // 08:30 in Beijing.
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

/** What the channel returns for `d`'s blue request. */
function issued(d: Invoice, overrides: Partial<TaxInvoice> = {}): TaxInvoice {
  return {
    ...blueRequestOf(d, serial),
    fphm: "26512000000000000001",
    kprq: "2026-12-04 09:15:00",
    sflzfp: "Y",
    kjhzfpdydlzfphm: "",
    jshjdx: "壹佰零玖圆整",
    hzqrduuid: "",
    ...overrides,
  };
}

describe("blueRequestOf", () => {
  it("writes the channel's codes with their widths", () => {
    const r = blueRequestOf(draft(), serial);
    assert.equal(r.fpqqlsh, serial);
    assert.equal(r.fppzDm, "02");
    assert.equal(r.tdyslxDm, "09");
    assert.equal(r.xfnsrlxdm, "1");
    const [p] = r.lkysfwtdysList;
    assert.equal(p?.cxrzjlxDm, "201");
    assert.equal(p?.jtgjlxDm, "3");
    assert.equal(p?.chuxrq, "2026-12-04 08:30:00");
    assert.equal(blueRequestOf(draft({ kind: InvoiceKind.INVOICE_KIND_SPECIAL }), serial).fppzDm, "01");
    const passport = draft();
    passport.passengerElements = [
      {
        ...(passport.passengerElements[0] as Invoice["passengerElements"][0]),
        travellerIdType: IdType.ID_TYPE_FOREIGN_PASSPORT,
      },
    ];
    assert.equal(blueRequestOf(passport, serial).lkysfwtdysList[0]?.cxrzjlxDm, "208");
  });

  it("maps every field of the draft", () => {
    const d = draft();
    assert.deepEqual(blueRequestOf(d, serial), {
      fpqqlsh: serial,
      xsfnsrsbh: "91510100MA61234567",
      xsfmc: "成都汽车客运站有限公司",
      xfnsrlxdm: "1",
      gmfnsrsbh: "",
      gmfmc: buyerName,
      fppzDm: "02",
      tdyslxDm: "09",
      kpr: clerk,
      bz: "K101 成都-重庆",
      hjje: "100.00",
      hjse: "9.00",
      jshj: "109.00",
      hwxx: [
        {
          xh: 1,
          xmmc: "*运输服务*客运服务费",
          sphfwssflhbbm: "3010101020101000000",
          je: "100.00",
          slv: "0.09",
          se: "9.00",
        },
      ],
      lkysfwtdysList: [
        {
          cxr: travellerName,
          cxrzjlxDm: "201",
          sfzjhm: travellerIdNo,
          chuxrq: "2026-12-04 08:30:00",
          cfd: "成都",
          ddd: "重庆",
          zwdj: "普通座",
          jtgjlxDm: "3",
        },
      ],
      dzkph: "5101000020261204000001",
    });
  });

  it("is a request the channel's schema accepts", () => {
    const parsed = blueRequestSchema.safeParse(blueRequestOf(draft(), serial));
    assert.ok(parsed.success, parsed.success ? "" : parsed.error.message);
  });

  it("leaves the travel date empty when the draft has none", () => {
    const d = draft();
    d.passengerElements = [{ ...(d.passengerElements[0] as Invoice["passengerElements"][0]), travelTime: undefined }];
    assert.equal(blueRequestOf(d, serial).lkysfwtdysList[0]?.chuxrq, "");
  });
});

describe("invoiceOf", () => {
  it("gives back the draft, with the platform's number, date and amount in words", () => {
    const d = draft();
    assert.deepEqual(invoiceOf(issued(d)), {
      ...d,
      invoiceNo: "26512000000000000001",
      issuedAt: new Date("2026-12-04T01:15:00Z"),
      totalWithTaxInWords: "壹佰零玖圆整",
    });
  });

  it("round-trips a special invoice of another traveller's id type", () => {
    const d = draft({
      kind: InvoiceKind.INVOICE_KIND_SPECIAL,
      sellerTaxpayerType: TaxpayerType.TAXPAYER_TYPE_SMALL_SCALE,
    });
    d.passengerElements = [
      {
        ...(d.passengerElements[0] as Invoice["passengerElements"][0]),
        travellerIdType: IdType.ID_TYPE_HK_MACAO_MAINLAND_TRAVEL_PERMIT,
        vehicleType: VehicleType.VEHICLE_TYPE_SHIP,
      },
    ];
    const back = invoiceOf(issued(d));
    assert.equal(back.kind, InvoiceKind.INVOICE_KIND_SPECIAL);
    assert.equal(back.sellerTaxpayerType, TaxpayerType.TAXPAYER_TYPE_SMALL_SCALE);
    assert.equal(back.passengerElements[0]?.travellerIdType, IdType.ID_TYPE_HK_MACAO_MAINLAND_TRAVEL_PERMIT);
    assert.equal(back.passengerElements[0]?.vehicleType, VehicleType.VEHICLE_TYPE_SHIP);
  });

  it("reads a red invoice as not blue, with the blue invoice it reverses", () => {
    const red = invoiceOf(
      issued(draft(), {
        sflzfp: "N",
        kjhzfpdydlzfphm: "26512000000000000001",
        fphm: "26512000000000000002",
        hzqrduuid: "0123456789abcdef0123456789abcdef",
      }),
    );
    assert.equal(red.blue, false);
    assert.equal(red.reversedInvoiceNo, "26512000000000000001");
    assert.equal(red.invoiceNo, "26512000000000000002");
  });

  it("leaves a date it cannot read unset rather than inventing one", () => {
    const back = invoiceOf(issued(draft(), { kprq: "2026-02-30 09:00:00" }));
    assert.equal(back.issuedAt, undefined);
  });
});

describe("issuedOutcome", () => {
  const t = issued(draft(), { hzqrduuid: "0123456789abcdef0123456789abcdef" });

  it("carries the request's standing", () => {
    assert.deepEqual(issuedOutcome("5101000020261204000001:blue", t), {
      idempotencyKey: "5101000020261204000001:blue",
      state: InvoiceRequestState.INVOICE_REQUEST_STATE_ISSUED,
      invoiceNo: "26512000000000000001",
      issuedAt: new Date("2026-12-04T01:15:00Z"),
      blue: true,
      reversedInvoiceNo: "",
      totalWithTax: "109.00",
      confirmationId: "0123456789abcdef0123456789abcdef",
      requestSerial: serial,
      failureReason: "",
    });
  });

  it("carries no personal field, in memory or encoded", () => {
    const outcome = issuedOutcome("5101000020261204000001:blue", t);
    const bytes = Buffer.from(InvoiceOutcome.encode(outcome).finish());
    const json = JSON.stringify(outcome);
    // The invoice it was made from does hold them: the check can fail.
    assert.ok(JSON.stringify(t).includes(travellerIdNo));
    for (const v of [travellerName, travellerIdNo, buyerName, clerk]) {
      assert.equal(bytes.indexOf(Buffer.from(v, "utf8")), -1, v);
      assert.ok(!json.includes(v), v);
    }
  });
});
