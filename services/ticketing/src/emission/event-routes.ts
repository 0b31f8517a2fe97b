import { Purpose, type Ticket, type TicketEventKind } from "@hutong/proto";
import { TicketingError } from "../ticketing-error.js";
import { deliveryFields } from "./ticket-view.js";

/**
 * One row of a province's event route table (docs/tickets.md, "Who sends what where"): which event
 * kinds go where, in which form. `to` is a party, or "route-provinces": every other province a
 * ticket's route touches (its boarding and alighting stations' provinces).
 */
export interface EventRoute {
  readonly kinds: readonly TicketEventKind[] | "all";
  readonly to: string;
  /** "event": the ticket event, reduced to what `purpose` opens; "statistics": no ticket at all. */
  readonly form: "event" | "statistics";
  readonly purpose: Purpose;
}

/** Where one event goes, decided. */
export interface Emission {
  readonly destination: string;
  readonly form: "event" | "statistics";
  readonly purpose: Purpose;
  /** For the event form: the ticket fields it may carry. */
  readonly fields: readonly string[];
}

export const routeProvinces = "route-provinces";

/** The default table: route provinces see operational facts; the ministry sees every event as statistics. */
export const defaultEventRoutes: readonly EventRoute[] = [
  { kinds: "all", to: routeProvinces, form: "event", purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION },
  { kinds: "all", to: "mot/statistics", form: "statistics", purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION },
];

/** The province (6-digit code, "510000") of a station code (GB/T 2260 area code first). */
export const provinceOfStation = (code: string): string => `${code.slice(0, 2)}0000`;

export interface EventRouter {
  route(kind: TicketEventKind, ticket: Ticket): readonly Emission[];
}

/**
 * The route table, checked once: a route's purpose must open a ticket fetch without a grant (its
 * fields come from the contract). `routeParty` names a province's receiving service.
 */
export function createEventRouter(
  ownProvince: string,
  routes: readonly EventRoute[],
  routeParty: (province: string) => string,
): EventRouter {
  const checked = routes.map((r) => {
    if (r.to === "") throw new TicketingError("invalid-config", "an event route needs a destination");
    return { ...r, fields: r.form === "event" ? deliveryFields(r.purpose) : [] };
  });
  return {
    route(kind, ticket) {
      const out: Emission[] = [];
      const seen = new Set<string>();
      for (const r of checked) {
        if (r.kinds !== "all" && !r.kinds.includes(kind)) continue;
        const destinations =
          r.to === routeProvinces
            ? [ticket.boardStation?.code, ticket.alightStation?.code]
                .filter((c): c is string => c !== undefined && c.length >= 2)
                .map(provinceOfStation)
                .filter((p) => p !== ownProvince)
                .map(routeParty)
            : [r.to];
        for (const destination of destinations) {
          const key = `${r.form} ${destination}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ destination, form: r.form, purpose: r.purpose, fields: r.fields });
        }
      }
      return out;
    },
  };
}
