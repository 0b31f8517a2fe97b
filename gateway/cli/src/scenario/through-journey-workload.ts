import type { RoadLegBooking } from "@hutong/connector-through";
import type { SimulatedProvince } from "@hutong/ticketing";

// The through journeys the chaos run sells at the rail and air partners (docs/connectors.md §5),
// decided up front from a seed: who sells what, which journeys are changed or refunded later, and
// which are quietly changed at the partner with no notice (the mismatches the provinces' leg check
// must find). Pure.

const hour = 3_600_000;

export interface PlannedJourney {
  readonly partner: "rail:cr" | "air:ca";
  readonly journeyId: string;
  readonly province: string;
  /** The admin request that creates it at the partner. */
  readonly create: {
    readonly journeyId: string;
    readonly serviceNo: string;
    readonly from: string;
    readonly to: string;
    readonly departTime: string;
    readonly arriveTime: string;
    readonly roadLegAfter: boolean;
    readonly road: RoadLegBooking;
  };
  /** Later: a change (the partner's leg and the road leg move), a refund, or a planted mismatch. */
  readonly then:
    | { readonly kind: "none" }
    | { readonly kind: "change"; readonly body: Record<string, unknown> }
    | { readonly kind: "refund" }
    | { readonly kind: "silent-refund" }
    | { readonly kind: "silent-delay"; readonly arriveTime: string };
}

export function planThroughJourneys(
  count: number,
  provinces: readonly { readonly code: string; readonly registry: SimulatedProvince }[],
  random: () => number,
  dayStartMs: number,
): PlannedJourney[] {
  const out: PlannedJourney[] = [];
  for (let i = 0; i < count; i++) {
    const partner = i % 2 === 0 ? "rail:cr" : "air:ca";
    const p = provinces[i % provinces.length];
    if (p === undefined) throw new Error("no province to sell road legs in");
    const stations = p.registry.stations;
    const board = stations[Math.floor(random() * stations.length)];
    const alight = stations[(stations.indexOf(board as (typeof stations)[number]) + 1) % stations.length];
    const route = p.registry.routes[Math.floor(random() * p.registry.routes.length)];
    if (board === undefined || alight === undefined || route === undefined)
      throw new Error("a registry without stations or routes");
    const arrive = dayStartMs + (6 + Math.floor(random() * 12)) * hour;
    const roadDepart = arrive + (1 + Math.floor(random() * 3)) * hour;
    const idNo = `5101041990${String(1000 + (i % 9000)).padStart(4, "0")}${String(i % 10000).padStart(4, "0")}`;
    const road = (departMs: number): RoadLegBooking => ({
      province: p.code,
      routeCode: route.code,
      scheduleNo: `T${(i % 900) + 100}`,
      boardStation: { code: board.code, name: board.name },
      alightStation: { code: alight.code, name: alight.name },
      departTime: new Date(departMs).toISOString(),
      fareFen: 3000 + Math.floor(random() * 12_000),
      seatType: "普通座",
      carrier: { uscc: "91510100MA0000001X", name: "联程客运" },
      passenger: { name: `联程旅客${i}`, idType: 201, idNo },
    });
    const journeyId = `${partner === "rail:cr" ? "R" : "A"}${String(i).padStart(6, "0")}`;
    const r = random();
    const then: PlannedJourney["then"] =
      r < 0.2
        ? {
            kind: "change",
            body: {
              journeyId,
              departTime: new Date(arrive - 4 * hour).toISOString(),
              arriveTime: new Date(arrive + 2 * hour).toISOString(),
              road: road(roadDepart + 3 * hour),
            },
          }
        : r < 0.35
          ? { kind: "refund" }
          : r < 0.39
            ? { kind: "silent-refund" }
            : r < 0.43
              ? { kind: "silent-delay", arriveTime: new Date(roadDepart - 10 * 60_000).toISOString() }
              : { kind: "none" };
    out.push({
      partner,
      journeyId,
      province: p.code,
      create: {
        journeyId,
        serviceNo: partner === "rail:cr" ? `G${8600 + (i % 99)}` : `CA${4100 + (i % 99)}`,
        from: partner === "rail:cr" ? "北京西" : "PEK",
        to: partner === "rail:cr" ? "成都东" : "TFU",
        departTime: new Date(arrive - 6 * hour).toISOString(),
        arriveTime: new Date(arrive).toISOString(),
        roadLegAfter: true,
        road: road(roadDepart),
      },
      then,
    });
  }
  return out;
}
