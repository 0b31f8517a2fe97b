import {
  type RouteProfile,
  type StationProfile,
  TicketEventKind,
  type TicketIndicators,
  TicketMedium,
} from "@hutong/proto";
import { dayInPeriod } from "@hutong/service-kit";

/** What the indicators need of one event: no person, no ticket number. */
export interface CountedEvent {
  readonly kind: TicketEventKind;
  /**
   * The Beijing day its ticket was sold: an event counts in its sale's period, so a void the next
   * morning takes back a sale of the day before, never one of its own day.
   */
  readonly saleDay: string;
  readonly saleStationCode: string;
  readonly routeCode: string;
  readonly medium: TicketMedium;
}

export interface Registry {
  readonly stations: readonly StationProfile[];
  readonly routes: readonly RouteProfile[];
}

/**
 * The notice's §6 indicators of one province and period, from its events and its registry. One
 * function for both sides: the ministry computes them from what it received, a province from its
 * own store, and the two must agree (`npm run scenario:tickets`, stats_match).
 *
 * Tickets sold are the period's sales less the voids of those sales (a change moves a sold ticket,
 * it sells none);
 * a station or a customised route is covered when an electronic ticket was sold there in the period.
 */
export function computeIndicators(
  province: string,
  period: string,
  registry: Registry,
  events: Iterable<CountedEvent>,
): TicketIndicators {
  let sold = 0;
  let electronic = 0;
  const coveredStations = new Set<string>();
  const coveredRoutes = new Set<string>();
  for (const e of events) {
    if (!dayInPeriod(e.saleDay, period)) continue;
    const sign =
      e.kind === TicketEventKind.TICKET_EVENT_KIND_SALE
        ? 1
        : e.kind === TicketEventKind.TICKET_EVENT_KIND_VOID
          ? -1
          : 0;
    if (sign === 0) continue;
    sold += sign;
    if (e.medium !== TicketMedium.TICKET_MEDIUM_ELECTRONIC) continue;
    electronic += sign;
    if (sign > 0) {
      coveredStations.add(e.saleStationCode);
      coveredRoutes.add(e.routeCode);
    }
  }
  const grade2 = registry.stations.filter((s) => s.grade >= 1 && s.grade <= 2);
  const customised = registry.routes.filter((r) => r.customised);
  return {
    province,
    period,
    grade2Stations: grade2.length,
    grade2StationsETicket: grade2.filter((s) => coveredStations.has(s.code)).length,
    customisedRoutes: customised.length,
    customisedRoutesETicket: customised.filter((r) => coveredRoutes.has(r.code)).length,
    smartTicketingStations: registry.stations.filter((s) => s.smartTicketing).length,
    smartCheckingStations: registry.stations.filter((s) => s.smartChecking).length,
    ticketsSold: sold,
    eTicketsSold: electronic,
    eTicketShareBp: sold > 0 ? Math.floor((electronic * 10_000) / sold) : 0,
  };
}
