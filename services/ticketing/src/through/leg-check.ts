import type { HutongClient } from "@hutong/client";
import {
  type LegMismatch,
  type LegMismatchKind,
  PartnerLegServiceService,
  PartnerLegStatus,
  Purpose,
  QueryPartnerLegRequest,
  QueryPartnerLegResponse,
  SaleStatus,
} from "@hutong/proto";
import { forEachLimited, startRepeatingTask } from "@hutong/service-kit";
import type { ProvinceStore } from "../store/port/province-store.js";
import { compareLegs } from "./leg-comparison.js";
import { journeyOfSource } from "./leg-notice-events.js";
import { currentRoadLeg } from "./road-leg-lookup.js";

// The province's check of its through journeys (docs/connectors.md §4): every so often, each
// journey's partner leg is asked of the partner (through the gateways, its connector answering)
// and held against the road leg. A mismatch is reported once two checks in a row find it, so a
// notice still on its way (the partner refunded; the refund not yet applied here) is not one.

const live = new Set<number>([SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN]);

export interface LegCheckOptions {
  readonly store: Pick<ProvinceStore, "journeySources" | "ticket" | "province">;
  readonly client: () => HutongClient;
  readonly intervalMs: number;
  readonly minTransferMs: number;
  readonly now: () => number;
  readonly onError?: (e: unknown) => void;
}

export interface LegCheck {
  /** The mismatches confirmed by the last two checks. */
  mismatches(): LegMismatch[];
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

export function startLegCheck(options: LegCheckOptions): LegCheck {
  const { store, now } = options;
  /** Journey source → what the last check found, and since when. */
  let last = new Map<string, { kind: LegMismatchKind; since: number; confirmed: LegMismatch | undefined }>();
  /** Journeys ended on both sides: nothing more can change, so they are not asked again. */
  const finished = new Set<string>();
  let closed = false;

  async function partnerLeg(partner: string, journeyId: string) {
    const request = QueryPartnerLegRequest.encode({
      context: { targetParty: partner, purpose: Purpose.PURPOSE_RECONCILIATION, grantId: "", correlationId: "" },
      journeyId,
    }).finish();
    const reply = await options
      .client()
      .session.call(PartnerLegServiceService.queryPartnerLeg.path, Buffer.from(request), {
        deadline: now() + 15_000,
      });
    const r = QueryPartnerLegResponse.decode(reply.body);
    return r.found ? r.leg : undefined;
  }

  async function runOnce() {
    const sources = await store.journeySources();
    const found = new Map<string, { kind: LegMismatchKind; since: number; confirmed: LegMismatch | undefined }>();
    let failure: unknown;
    await forEachLimited(sources, 4, async (source) => {
      if (closed) return;
      const journey = journeyOfSource(source);
      if (journey === undefined || finished.has(source)) return;
      const road = await currentRoadLeg(store, journey.partner, journey.journeyId, store.province);
      if (road === undefined) return;
      let kind: LegMismatchKind | undefined;
      try {
        const partner = await partnerLeg(journey.partner, journey.journeyId);
        if (partner?.status === PartnerLegStatus.PARTNER_LEG_STATUS_REFUNDED && !live.has(road.saleStatus)) {
          finished.add(source);
          return;
        }
        kind = compareLegs(partner, road, options.minTransferMs);
      } catch (e) {
        // The partner cannot be asked now: keep what was known (and say so once per check).
        failure ??= e;
        const before = last.get(source);
        if (before !== undefined) found.set(source, before);
        return;
      }
      if (kind === undefined) return;
      const before = last.get(source);
      const since = before?.kind === kind ? before.since : now();
      const confirmed =
        before?.kind === kind
          ? (before.confirmed ?? {
              journeyId: journey.journeyId,
              partner: journey.partner,
              roadTicketNo: road.ticketNo,
              kind,
              foundAt: new Date(since),
            })
          : undefined;
      found.set(source, { kind, since, confirmed });
    });
    last = found;
    if (failure !== undefined) options.onError?.(failure);
  }

  const task = startRepeatingTask(
    async () => {
      await runOnce();
      return false;
    },
    options.intervalMs,
    (e) => options.onError?.(e),
  );

  return {
    mismatches: () => [...last.values()].flatMap((f) => (f.confirmed === undefined ? [] : [f.confirmed])),
    runOnce,
    async close() {
      closed = true;
      await task.close();
    },
  };
}
