import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import {
  type Invoice,
  InvoiceKind,
  IssueInvoiceRequest,
  Purpose,
  ReversalReason,
  ReverseInvoiceRequest,
  SpecialElementType,
  type Ticket,
  type TicketEvent,
  TicketEventKind,
  VehicleType,
} from "@hutong/proto";
import type { InvoiceSettings } from "./invoice-settings.js";

// Which invoices a ticket event calls for (domain.md §3.4–3.5), as outbox messages to the tax
// channel through the province's gateway. Pure. A ticket has at most one blue invoice, one
// reversal and one fee invoice in its life (a sale or change-in creates it; a refund, change-out or
// void ends it), so the keys are the ticket number and the request's role: the same event applied
// twice asks for the same invoice, which the channel then issues once.

export const ticketInvoicesTopic = "ticket-invoices";

export type InvoiceRole = "blue" | "red" | "fee";
export const invoiceKey = (ticketNo: string, role: InvoiceRole) => `${ticketNo}:${role}`;
/** The role a request's key names (what invoiceKey wrote). */
export const invoiceRoleOf = (key: string): InvoiceRole => key.slice(key.lastIndexOf(":") + 1) as InvoiceRole;

/** The micro-yuan of a rate such as "0.09" (≤ 6 places), or undefined. */
function rateMicro(rate: string): bigint | undefined {
  const m = /^0\.([0-9]{1,6})$/.exec(rate);
  return m === null ? undefined : BigInt((m[1] ?? "").padEnd(6, "0"));
}

const yuan = (fen: bigint): string => {
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  return `${neg ? "-" : ""}${a / 100n}.${(a % 100n).toString().padStart(2, "0")}`;
};

/** A price with tax included, split into amount and tax in fen (rounded half up at the fen). */
export function splitTax(totalFen: bigint, rate: string): { amount: bigint; tax: bigint } {
  const r = rateMicro(rate);
  if (r === undefined) throw new Error(`not a tax rate: ${JSON.stringify(rate)}`);
  const denominator = 1_000_000n + r;
  const sign = totalFen < 0n ? -1n : 1n;
  const abs = totalFen * sign;
  const amount = (abs * 1_000_000n * 2n + denominator) / (denominator * 2n);
  return { amount: amount * sign, tax: (abs - amount) * sign };
}

/** Checks settings once, when the service starts: the rate must be a rate. */
export function checkInvoiceSettings(s: InvoiceSettings): string | undefined {
  if (rateMicro(s.taxRate) === undefined)
    return `invoicing.taxRate: a decimal rate such as "0.09", got ${JSON.stringify(s.taxRate)}`;
  if (!/^[0-9]{19}$/.test(s.taxClassificationCode)) return "invoicing.taxClassificationCode: 19 digits";
  if (!/^[0-9A-Z]{15,20}$/.test(s.seller.taxId)) return "invoicing.seller.taxId: 15-20 digits or capitals";
  return undefined;
}

function draft(s: InvoiceSettings, ticket: Ticket, totalFen: bigint, itemName: string): Invoice {
  const { amount, tax } = splitTax(totalFen, s.taxRate);
  const passenger = ticket.passenger;
  return {
    invoiceNo: "",
    issuedAt: undefined,
    kind: InvoiceKind.INVOICE_KIND_ORDINARY,
    specialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT,
    blue: true,
    reversedInvoiceNo: "",
    sellerTaxId: s.seller.taxId,
    sellerName: s.seller.name,
    sellerTaxpayerType: s.seller.taxpayerType,
    // Passengers buy as individuals: no buyer tax id, the buyer's name (or the traveller's).
    buyerTaxId: "",
    buyerName: ticket.buyer?.name || passenger?.name || "个人",
    totalAmount: yuan(amount),
    totalTax: yuan(tax),
    totalWithTax: yuan(totalFen),
    totalWithTaxInWords: "",
    issuerClerk: s.clerk,
    remarks: `${ticket.scheduleNo} ${ticket.boardStation?.name ?? ""}-${ticket.alightStation?.name ?? ""}`.slice(
      0,
      450,
    ),
    lines: [
      {
        lineNo: 1,
        itemName,
        taxClassificationCode: s.taxClassificationCode,
        amount: yuan(amount),
        taxRate: s.taxRate,
        taxAmount: yuan(tax),
      },
    ],
    passengerElements: [
      {
        travellerName: passenger?.name ?? "",
        travellerIdType: passenger?.idType ?? 0,
        travellerIdNo: passenger?.idNo ?? "",
        travelTime: ticket.departTime,
        origin: ticket.boardStation?.name ?? "",
        destination: ticket.alightStation?.name ?? "",
        seatClass: ticket.seatType,
        vehicleType: VehicleType.VEHICLE_TYPE_COACH,
      },
    ],
    ticketNo: ticket.ticketNo,
  };
}

/**
 * The invoice requests an applied event calls for: a blue invoice on a sale or a change-in; on a
 * refund, change-out or void, the reversal of the ticket's blue invoice (named by its key, so it
 * can be asked for before the blue invoice's number is known), partial or with a fee invoice on a
 * refund that keeps a fee. A free ticket (fare 0) has no invoice. `seal` keeps the requests, which
 * name the traveller, sealed in the outbox.
 */
export function invoiceMessages(
  s: InvoiceSettings,
  event: TicketEvent,
  ticket: Ticket,
  seal: (payload: Uint8Array, idempotencyKey: string) => Uint8Array,
): OutboxMessageInput[] {
  const fare = BigInt(ticket.fareFen);
  if (fare <= 0n) return [];
  const context = (key: string) => ({
    targetParty: s.party,
    purpose: Purpose.PURPOSE_INVOICING,
    grantId: "",
    correlationId: key,
  });
  const message = (key: string, payload: Uint8Array): OutboxMessageInput => ({
    topic: ticketInvoicesTopic,
    destination: s.party,
    idempotencyKey: key,
    orderingKey: ticket.ticketNo,
    payload: seal(payload, key),
  });
  const issue = (role: "blue" | "fee", totalFen: bigint, itemName: string) => {
    const key = invoiceKey(ticket.ticketNo, role);
    return message(
      key,
      IssueInvoiceRequest.encode({
        context: context(key),
        idempotencyKey: key,
        draft: draft(s, ticket, totalFen, itemName),
      }).finish(),
    );
  };
  const reverse = (reason: ReversalReason, refundedFen?: bigint) => {
    const key = invoiceKey(ticket.ticketNo, "red");
    const partial = refundedFen === undefined ? undefined : splitTax(-refundedFen, s.taxRate);
    return message(
      key,
      ReverseInvoiceRequest.encode({
        context: context(key),
        idempotencyKey: key,
        blueIdempotencyKey: invoiceKey(ticket.ticketNo, "blue"),
        blueInvoiceNo: "",
        blueIssuedAt: "",
        blueTotalAmount: "",
        blueTotalTax: "",
        blueKind: InvoiceKind.INVOICE_KIND_UNSPECIFIED,
        blueSpecialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_UNSPECIFIED,
        reversalAmount: partial === undefined ? "" : yuan(partial.amount),
        reversalTax: partial === undefined ? "" : yuan(partial.tax),
        reason,
        lines:
          partial === undefined ? [] : [{ blueLineNo: 1, amount: yuan(partial.amount), taxAmount: yuan(partial.tax) }],
        ticketNo: ticket.ticketNo,
      }).finish(),
    );
  };
  switch (event.kind) {
    case TicketEventKind.TICKET_EVENT_KIND_SALE:
    case TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN:
      return [issue("blue", fare, s.itemName)];
    case TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT:
      return [reverse(ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED)];
    case TicketEventKind.TICKET_EVENT_KIND_VOID:
      return [reverse(ReversalReason.REVERSAL_REASON_ISSUE_ERROR)];
    case TicketEventKind.TICKET_EVENT_KIND_REFUND: {
      const fee = BigInt(event.refundFeeFen);
      if (fee <= 0n || fee >= fare)
        return fee >= fare ? [] : [reverse(ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED)];
      if (s.refundWithFee === "partial")
        return [reverse(ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED, fare - fee)];
      return [reverse(ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED), issue("fee", fee, `${s.itemName}(退票费)`)];
    }
    default:
      return [];
  }
}
