import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import {
  type DeliveredTicketEvent,
  DeliverTicketEventsRequest,
  ReportTicketStatisticsRequest,
  type Ticket,
  type TicketEvent,
} from "@hutong/proto";
import type { Emission } from "./event-routes.js";
import { projectTicket } from "./ticket-view.js";

/** The outbox topics the province writes (delivered by province/gateway-topics.ts). */
export const ticketEventsTopic = "ticket-events";
export const ticketStatisticsTopic = "ticket-statistics";

/** What the province fixed about a ticket at its sale, kept beside it for reconciliation and statistics. */
export interface SaleFacts {
  /** The station that sold it (the sale event's station). */
  readonly saleStation: string;
  /** The Beijing day of the sale ("2026-12-04"). */
  readonly saleDay: string;
  readonly routeCode: string;
  readonly medium: number;
}

/** One applied event as its deliveries carry it: the owner's sequence number, the ticket's version. */
export interface AppliedEvent {
  /** The owner's party ("prov:510000/ticketing"). */
  readonly owner: string;
  /** The owner sequence number the province gave the event. */
  readonly seq: bigint;
  /** The ticket's version after the event (1 for the event that created it). */
  readonly version: number;
  readonly event: TicketEvent;
  /** The ticket as the event leaves it. */
  readonly record: Ticket;
  readonly sale: SaleFacts;
}

/**
 * The outbox message of each of an applied event's emissions (decided by the event router): the
 * event in the purpose's view for another province, the statistics form (no person, no seat, no
 * buyer) for the ministry. The idempotency key is the owner and its sequence number; the ordering
 * key the ticket number, so a ticket's deliveries to one destination stay in order. Pure.
 */
export function eventMessages(applied: AppliedEvent, emissions: readonly Emission[]): OutboxMessageInput[] {
  const { owner, seq, version, event, record, sale } = applied;
  const key = `${owner}#${seq}`;
  return emissions.map((e): OutboxMessageInput => {
    const context = { targetParty: e.destination, purpose: e.purpose, grantId: "", correlationId: key };
    if (e.form === "event") {
      const delivered: DeliveredTicketEvent = {
        idempotencyKey: key,
        owner,
        ownerSeq: seq,
        ticketVersion: version,
        kind: event.kind,
        occurredAt: event.occurredAt,
        ticket: projectTicket(record, e.fields),
        refundFeeFen: event.refundFeeFen,
        station: event.station,
      };
      return {
        topic: ticketEventsTopic,
        destination: e.destination,
        idempotencyKey: key,
        orderingKey: record.ticketNo,
        payload: DeliverTicketEventsRequest.encode({ context, events: [delivered] }).finish(),
      };
    }
    return {
      topic: ticketStatisticsTopic,
      destination: e.destination,
      idempotencyKey: key,
      orderingKey: record.ticketNo,
      payload: ReportTicketStatisticsRequest.encode({
        context,
        province: owner,
        events: [
          {
            idempotencyKey: key,
            ownerSeq: seq,
            ticketVersion: version,
            kind: event.kind,
            occurredAt: event.occurredAt,
            ticketNo: record.ticketNo,
            saleStationCode: sale.saleStation,
            saleDay: sale.saleDay,
            routeCode: record.routeCode,
            medium: record.medium,
            saleChannel: record.saleChannel,
            fareFen: record.fareFen,
            saleStatus: record.saleStatus,
            checkStatus: record.checkStatus,
          },
        ],
        stations: [],
        routes: [],
        registryKey: "",
      }).finish(),
    };
  });
}
