import { fromBeijingText, toBeijingText } from "@hutong/partner-http";
import { type Invoice, type InvoiceOutcome, InvoiceRequestState } from "@hutong/proto";
import type { BlueRequest, TaxInvoice } from "../protocol/tax-api.js";

// Between the contract's Invoice (field ids in invoice.proto's comments) and the channel's JSON.
// The enum numbers of InvoiceKind, SpecialElementType, VehicleType, TaxpayerType and IdType are
// the channel's codes, so a code is the number written with its width.

const code = (n: number, width: number) => String(n).padStart(width, "0");

/** The blue request for a draft (its invoice_no and issued_at unset), under `serial`. */
export function blueRequestOf(draft: Invoice, serial: string): BlueRequest {
  return {
    fpqqlsh: serial,
    xsfnsrsbh: draft.sellerTaxId,
    xsfmc: draft.sellerName,
    xfnsrlxdm: String(draft.sellerTaxpayerType),
    gmfnsrsbh: draft.buyerTaxId,
    gmfmc: draft.buyerName,
    fppzDm: code(draft.kind, 2),
    tdyslxDm: code(draft.specialElementType, 2),
    kpr: draft.issuerClerk,
    bz: draft.remarks,
    hjje: draft.totalAmount,
    hjse: draft.totalTax,
    jshj: draft.totalWithTax,
    hwxx: draft.lines.map((l) => ({
      xh: l.lineNo,
      xmmc: l.itemName,
      sphfwssflhbbm: l.taxClassificationCode,
      je: l.amount,
      slv: l.taxRate,
      se: l.taxAmount,
    })),
    lkysfwtdysList: draft.passengerElements.map((p) => ({
      cxr: p.travellerName,
      cxrzjlxDm: code(p.travellerIdType, 3),
      sfzjhm: p.travellerIdNo,
      chuxrq: p.travelTime === undefined ? "" : toBeijingText(p.travelTime),
      cfd: p.origin,
      ddd: p.destination,
      zwdj: p.seatClass,
      jtgjlxDm: String(p.vehicleType),
    })),
    dzkph: draft.ticketNo,
  };
}

/** An invoice as the channel returned it, in the contract's terms. */
export function invoiceOf(t: TaxInvoice): Invoice {
  return {
    invoiceNo: t.fphm,
    issuedAt: fromBeijingText(t.kprq),
    kind: Number(t.fppzDm),
    specialElementType: Number(t.tdyslxDm),
    blue: t.sflzfp === "Y",
    reversedInvoiceNo: t.kjhzfpdydlzfphm,
    sellerTaxId: t.xsfnsrsbh,
    sellerName: t.xsfmc,
    sellerTaxpayerType: Number(t.xfnsrlxdm),
    buyerTaxId: t.gmfnsrsbh,
    buyerName: t.gmfmc,
    totalAmount: t.hjje,
    totalTax: t.hjse,
    totalWithTax: t.jshj,
    totalWithTaxInWords: t.jshjdx,
    issuerClerk: t.kpr,
    remarks: t.bz,
    lines: t.hwxx.map((l) => ({
      lineNo: l.xh,
      itemName: l.xmmc,
      taxClassificationCode: l.sphfwssflhbbm,
      amount: l.je,
      taxRate: l.slv,
      taxAmount: l.se,
    })),
    passengerElements: t.lkysfwtdysList.map((p) => ({
      travellerName: p.cxr,
      travellerIdType: Number(p.cxrzjlxDm),
      travellerIdNo: p.sfzjhm,
      travelTime: fromBeijingText(p.chuxrq),
      origin: p.cfd,
      destination: p.ddd,
      seatClass: p.zwdj,
      vehicleType: Number(p.jtgjlxDm),
    })),
    ticketNo: t.dzkph,
  };
}

/** A request's standing with no personal field: what QueryInvoices answers. */
export function issuedOutcome(idempotencyKey: string, t: TaxInvoice): InvoiceOutcome {
  return {
    idempotencyKey,
    state: InvoiceRequestState.INVOICE_REQUEST_STATE_ISSUED,
    invoiceNo: t.fphm,
    issuedAt: fromBeijingText(t.kprq),
    blue: t.sflzfp === "Y",
    reversedInvoiceNo: t.kjhzfpdydlzfphm,
    totalWithTax: t.jshj,
    confirmationId: t.hzqrduuid,
    requestSerial: t.fpqqlsh,
    failureReason: "",
  };
}
