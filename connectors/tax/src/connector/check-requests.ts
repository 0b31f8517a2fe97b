import {
  type Invoice,
  InvoiceKind,
  type IssueInvoiceRequest,
  ReversalReason,
  type ReverseInvoiceRequest,
  SpecialElementType,
} from "@hutong/proto";
import { formatYuan, parseYuan } from "./money.js";

// What the connector refuses before anything reaches the channel (INVALID_ARGUMENT): a request the
// channel would refuse for good is better refused to the caller now than dead-lettered later.
// Messages name fields, never values (a value may be a person's name or ID number).

const key = /^[\x21-\x7e]{1,128}$/;
/** An e-ticket number, as the e-ticket services number them. */
const ticketNo = /^[0-9A-Z]{1,32}$/;
/** A total in yuan to the fen (the channel's DECIMAL(18,2)). */
const fen = /^-?[0-9]+(\.[0-9]{1,2})?$/;
const elementTypes = new Set<number>([
  // None: an invoice without special elements.
  SpecialElementType.SPECIAL_ELEMENT_TYPE_UNSPECIFIED,
  SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT,
  SpecialElementType.SPECIAL_ELEMENT_TYPE_RAIL_TICKET,
  SpecialElementType.SPECIAL_ELEMENT_TYPE_AIR_ITINERARY,
  SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TERMINAL,
]);
const reasons = new Set<number>([
  ReversalReason.REVERSAL_REASON_ISSUE_ERROR,
  ReversalReason.REVERSAL_REASON_GOODS_RETURNED,
  ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED,
  ReversalReason.REVERSAL_REASON_SALES_ALLOWANCE,
]);

function totals(draft: Invoice): string | undefined {
  if (draft.lines.length === 0) return "draft.lines: at least one line";
  let amount = 0n;
  let tax = 0n;
  for (const [i, l] of draft.lines.entries()) {
    if (l.lineNo !== i + 1) return `draft.lines[${i}].line_no: lines are numbered from 1 in order`;
    const a = parseYuan(l.amount);
    const t = parseYuan(l.taxAmount);
    if (a === undefined || t === undefined || parseYuan(l.taxRate) === undefined || a < 0n || t < 0n) {
      return `draft.lines[${i}]: amount, tax_rate and tax_amount are decimal strings, not negative`;
    }
    amount += a;
    tax += t;
  }
  const [ta, tt, tw] = [draft.totalAmount, draft.totalTax, draft.totalWithTax].map(parseYuan);
  if (
    ta === undefined ||
    tt === undefined ||
    tw === undefined ||
    ![draft.totalAmount, draft.totalTax, draft.totalWithTax].every((x) => fen.test(x))
  ) {
    return "draft totals: decimal strings in yuan, to the fen";
  }
  if (tw <= 0n) return "draft.total_with_tax: more than zero";
  if (ta !== amount) return "draft.total_amount: not the sum of the lines' amounts";
  if (formatYuan(tt) !== formatYuan(tax)) return "draft.total_tax: not the sum of the lines' tax, to the fen";
  if (tw !== ta + tt) return "draft.total_with_tax: not total_amount + total_tax";
  return undefined;
}

export function checkIssue(req: IssueInvoiceRequest): string | undefined {
  if (!key.test(req.idempotencyKey)) return "idempotency_key: 1..128 printable ASCII characters";
  const d = req.draft;
  if (d === undefined) return "draft: required";
  if (d.invoiceNo !== "" || d.issuedAt !== undefined)
    return "draft: invoice_no and issued_at are the platform's to assign";
  if (!d.blue) return "draft.blue: a draft is a blue invoice (reversals go through ReverseInvoice)";
  if (d.kind !== InvoiceKind.INVOICE_KIND_ORDINARY && d.kind !== InvoiceKind.INVOICE_KIND_SPECIAL) {
    return "draft.kind: ordinary or special";
  }
  if (!/^[0-9A-Z]{15,20}$/.test(d.sellerTaxId)) return "draft.seller_tax_id: 15-20 digits or capitals";
  if (!ticketNo.test(d.ticketNo)) return "draft.ticket_no: 1 to 32 of [0-9A-Z]";
  if (!elementTypes.has(d.specialElementType)) return "draft.special_element_type: a 特定要素类型 the channel knows";
  const passengerTransport = d.specialElementType === SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT;
  if (passengerTransport && d.passengerElements.length === 0) {
    return "draft.passenger_elements: a passenger-transport invoice names its travellers";
  }
  if (!passengerTransport && d.passengerElements.length > 0) {
    return "draft.passenger_elements: only on a passenger-transport invoice (09)";
  }
  for (const [i, p] of d.passengerElements.entries()) {
    if (
      p.travellerName === "" ||
      p.travellerIdNo === "" ||
      p.travelTime === undefined ||
      p.origin === "" ||
      p.destination === ""
    ) {
      return `draft.passenger_elements[${i}]: traveller, ID number, travel time, origin and destination are required`;
    }
  }
  return totals(d);
}

export function checkReverse(req: ReverseInvoiceRequest): string | undefined {
  if (!key.test(req.idempotencyKey)) return "idempotency_key: 1..128 printable ASCII characters";
  if ((req.blueIdempotencyKey === "") === (req.blueInvoiceNo === "")) {
    return "give exactly one of blue_idempotency_key and blue_invoice_no";
  }
  if (req.blueIdempotencyKey !== "" && !key.test(req.blueIdempotencyKey))
    return "blue_idempotency_key: 1..128 printable ASCII";
  if (req.blueInvoiceNo !== "" && !/^[0-9]{20}$/.test(req.blueInvoiceNo)) return "blue_invoice_no: 20 digits";
  if (!reasons.has(req.reason)) return "reason: a 冲红原因 (1 to 4)";
  if (!ticketNo.test(req.ticketNo)) return "ticket_no: 1 to 32 of [0-9A-Z]";
  const full = req.reversalAmount === "" && req.reversalTax === "";
  if (full) return req.lines.length === 0 ? undefined : "lines: only with reversal_amount (a partial reversal)";
  const amount = fen.test(req.reversalAmount) ? parseYuan(req.reversalAmount) : undefined;
  const tax = fen.test(req.reversalTax) ? parseYuan(req.reversalTax) : undefined;
  if (amount === undefined || tax === undefined || amount >= 0n || tax > 0n) {
    return "reversal_amount, reversal_tax: negative decimal strings in yuan (or both empty: all that is left)";
  }
  if (req.lines.length === 0) return undefined;
  let a = 0n;
  let t = 0n;
  const seen = new Set<number>();
  for (const [i, l] of req.lines.entries()) {
    const la = parseYuan(l.amount);
    const lt = parseYuan(l.taxAmount);
    if (la === undefined || lt === undefined || l.blueLineNo < 1 || la >= 0n || lt > 0n) {
      return `lines[${i}]: a blue line number and negative amounts`;
    }
    if (seen.has(l.blueLineNo)) return `lines[${i}]: blue line ${l.blueLineNo} reversed twice in one request`;
    seen.add(l.blueLineNo);
    a += la;
    t += lt;
  }
  // Line tax may have 6 places; the totals have 2: compared to the fen, as the channel does.
  return a === amount && formatYuan(t) === formatYuan(tax)
    ? undefined
    : "lines: their amounts must add up to reversal_amount and reversal_tax";
}
