import { LegMismatchKind, type PartnerLeg, PartnerLegStatus, SaleStatus, type Ticket } from "@hutong/proto";

// Whether a through journey's two legs still fit together (docs/connectors.md §4). Pure.

const alive = new Set<number>([SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN]);

/**
 * What is wrong with a journey, or undefined. `partner`: the partner's leg as it answers (undefined:
 * it does not know the journey); `road`: the journey's current road leg. A connection is checked
 * on the times known: the first leg's arrival (the partner's, when the road leg follows) and the
 * second's departure, at least `minTransferMs` apart; a road leg's arrival time is not on its
 * ticket, so when the road leg comes first only its departure is held against the partner's.
 */
export function compareLegs(
  partner: PartnerLeg | undefined,
  road: Ticket,
  minTransferMs: number,
): LegMismatchKind | undefined {
  if (partner === undefined) return LegMismatchKind.LEG_MISMATCH_KIND_UNKNOWN_AT_PARTNER;
  const roadAlive = alive.has(road.saleStatus);
  const partnerAlive = partner.status === PartnerLegStatus.PARTNER_LEG_STATUS_DELIVERED;
  if (!partnerAlive && roadAlive) return LegMismatchKind.LEG_MISMATCH_KIND_PARTNER_REFUNDED;
  if (partnerAlive && !roadAlive) return LegMismatchKind.LEG_MISMATCH_KIND_ROAD_ENDED;
  if (!partnerAlive) return undefined;
  const roadDepart = road.departTime?.getTime();
  const partnerArrive = partner.arriveTime?.getTime();
  const partnerDepart = partner.departTime?.getTime();
  if (roadDepart === undefined || partnerArrive === undefined || partnerDepart === undefined) return undefined;
  const fits = partner.roadLegAfter
    ? partnerArrive + minTransferMs <= roadDepart
    : roadDepart + minTransferMs <= partnerDepart;
  return fits ? undefined : LegMismatchKind.LEG_MISMATCH_KIND_CONNECTION_BROKEN;
}
