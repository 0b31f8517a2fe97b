import { type TicketEvent, TicketEventKind } from "@hutong/proto";
import { ticketLifecycle } from "../ticket-lifecycle.js";
import { TicketingError } from "../ticketing-error.js";

const ticketNoPattern = /^[0-9A-Z]{1,32}$/;
const keyPattern = /^[\x21-\x7e]{1,128}$/;

/** What a province knows to check an event against. */
export interface EventScope {
  /** Its 6-digit code ("510000"). */
  readonly province: string;
  readonly isStation: (code: string) => boolean;
}

/**
 * The checks of one event that need no state: well-formed, a kind the lifecycle knows, a station
 * the province registers, a ticket the province issued. Throws TicketingError; pure.
 */
export function checkEvent(scope: EventScope, source: string, event: TicketEvent): void {
  const malformed = (what: string) => new TicketingError("malformed", `event ${event.sourceSeq}: ${what}`);
  if (!keyPattern.test(event.idempotencyKey)) throw malformed("idempotency_key must be 1 to 128 printable characters");
  if (event.source !== source) throw malformed(`source "${event.source}" is not the batch's "${source}"`);
  if (!ticketLifecycle.kinds.has(event.kind)) {
    throw new TicketingError(
      "unknown-event-kind",
      `event ${event.sourceSeq}: kind ${event.kind} is not in the ticket lifecycle`,
    );
  }
  if (event.occurredAt === undefined) throw malformed("occurred_at is missing");
  const ticket = event.ticket;
  if (ticket === undefined || !ticketNoPattern.test(ticket.ticketNo)) {
    throw malformed("ticket.ticket_no must be 1 to 32 of [0-9A-Z]");
  }
  const station = event.station?.code ?? "";
  if (!scope.isStation(station)) {
    throw new TicketingError(
      "unknown-station",
      `event ${event.sourceSeq}: station "${station}" is not registered in ${scope.province}`,
    );
  }
  const creates = ticketLifecycle.kinds.get(event.kind)?.creates === true;
  if (creates || ticket.issuerProvince !== "") {
    if (ticket.issuerProvince !== scope.province) {
      throw new TicketingError(
        "foreign-ticket",
        `event ${event.sourceSeq}: ticket ${ticket.ticketNo} is issued by "${ticket.issuerProvince}", not ${scope.province}`,
      );
    }
  }
  if (creates) {
    const board = ticket.boardStation?.code ?? "";
    if (!scope.isStation(board)) {
      throw new TicketingError(
        "unknown-station",
        `event ${event.sourceSeq}: boarding station "${board}" is not registered in ${scope.province}`,
      );
    }
    if (ticket.departTime === undefined || ticket.fareFen < 0n || ticket.routeCode === "") {
      throw malformed("a sale needs depart_time, route_code and a fare of 0 or more");
    }
    if (event.kind === TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN && !ticketNoPattern.test(ticket.origTicketNo)) {
      throw malformed("a change-in names the ticket it replaces (orig_ticket_no)");
    }
  }
  if (event.refundFeeFen < 0n || (event.refundFeeFen > 0n && event.kind !== TicketEventKind.TICKET_EVENT_KIND_REFUND)) {
    throw malformed("refund_fee_fen is for a refund, and not negative");
  }
}
