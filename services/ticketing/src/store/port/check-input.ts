import type { DeliveredTicketEvent, ReportTicketStatisticsRequest } from "@hutong/proto";
import { TicketingError } from "../../ticketing-error.js";

// The checks every store makes before it opens a transaction for a delivery or a report. Pure.

/** Another province's delivery: each event is the sender's own, with its key, ticket number and version. */
export function checkDelivered(sender: string, events: readonly DeliveredTicketEvent[]): void {
  for (const e of events) {
    if (e.owner !== sender) {
      throw new TicketingError("wrong-source", `an event of ${e.owner} delivered by ${sender}`);
    }
    if (e.ticket === undefined || e.ticket.ticketNo === "" || e.idempotencyKey === "" || e.ticketVersion < 1) {
      throw new TicketingError("malformed", "a delivered event needs its key, ticket number and version");
    }
  }
}

/** A province's statistics report: through a gateway, each event with its key, ticket number and version. */
export function checkReport(sender: string, req: ReportTicketStatisticsRequest): void {
  if (sender === "") throw new TicketingError("wrong-source", "a statistics report must come through a gateway");
  for (const e of req.events) {
    if (e.idempotencyKey === "" || e.ticketNo === "" || e.ticketVersion < 1) {
      throw new TicketingError("malformed", "a statistics event needs its key, ticket number and version");
    }
  }
}
