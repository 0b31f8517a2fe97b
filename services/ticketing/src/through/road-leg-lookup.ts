import type { Ticket } from "@hutong/proto";
import type { ProvinceStore } from "../store/port/province-store.js";
import { roadLegTicketNo } from "./leg-notice-events.js";

/** A journey has at most this many notices that create a road leg (a delivery and its changes). */
const maxLegs = 200;

/**
 * A journey's current road leg: the ticket its latest delivery or change created (numbered by
 * notice seq, so the tickets of a journey are found in order without an index). Seqs with no
 * ticket (a refund's) are passed over.
 */
export async function currentRoadLeg(
  store: Pick<ProvinceStore, "ticket">,
  partner: string,
  journeyId: string,
  province: string,
): Promise<Ticket | undefined> {
  let current: Ticket | undefined;
  let misses = 0;
  for (let seq = 1; seq <= maxLegs && misses < 2; seq++) {
    const t = await store.ticket(roadLegTicketNo(province, partner, journeyId, seq));
    if (t === undefined) misses += 1;
    else {
      current = t;
      misses = 0;
    }
  }
  return current;
}
