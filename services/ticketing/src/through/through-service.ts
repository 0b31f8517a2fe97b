import type * as grpc from "@grpc/grpc-js";
import {
  type ApplyLegNoticeRequest,
  type ApplyLegNoticeResponse,
  EventOutcome,
  type LegMismatch,
  type ListLegMismatchesResponse,
  type QueryRoadLegRequest,
  type QueryRoadLegResponse,
  ThroughTicketServiceService,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, type ServiceLog } from "@hutong/service-kit";
import type { ProvinceStore } from "../store/port/province-store.js";
import { TicketingError, ticketingRefusal } from "../ticketing-error.js";
import { isPartnerParty, journeySource, legNoticeEvents, roadLegTicketNo } from "./leg-notice-events.js";
import { currentRoadLeg } from "./road-leg-lookup.js";

export interface ThroughServiceOptions {
  readonly store: ProvinceStore;
  readonly log: ServiceLog;
  readonly now: () => number;
  /** After a commit that wrote outbox messages. */
  readonly enqueued?: () => void;
  /** The leg check's confirmed findings. */
  readonly mismatches: () => LegMismatch[];
}

/**
 * ThroughTicketService at a province's e-ticket service (docs/connectors.md §4): a partner's leg
 * notices become the road leg's ticket events, applied through the same upload as a station's
 * (so the road leg is invoiced, delivered and counted like any ticket), in the journey's own
 * sequence; the road leg's status and the leg check's findings, for the partner and the ministry.
 */
export function addThroughTicketService(server: grpc.Server, options: ThroughServiceOptions): void {
  const { store, now } = options;
  addUnaryService(
    server,
    ThroughTicketServiceService,
    {
      async applyLegNotice(req: ApplyLegNoticeRequest, facts: CallFacts): Promise<ApplyLegNoticeResponse> {
        const partner = facts.origin;
        if (!isPartnerParty(partner)) {
          throw new TicketingError("wrong-source", `${partner} is not a rail or air partner`);
        }
        const notice = req.notice;
        if (notice === undefined || notice.partnerLeg === undefined) {
          throw new TicketingError("malformed", "a notice with its partner leg");
        }
        const journeyId = notice.partnerLeg.journeyId;
        const source = journeySource(partner, journeyId);
        const current =
          notice.seq > 1
            ? await store.ticket(roadLegTicketNo(store.province, partner, journeyId, notice.seq - 1))
            : undefined;
        const planned = legNoticeEvents(store.province, partner, notice, (await store.ackedSeq(source)) + 1n, current);
        const r = await store.upload(source, planned.events, now());
        if (r.enqueued > 0) options.enqueued?.();
        const refusal = r.results.find((x) => x.outcome === EventOutcome.EVENT_OUTCOME_REFUSED);
        return {
          roadTicketNo: planned.roadTicketNo,
          applied: r.results.some((x) => x.outcome === EventOutcome.EVENT_OUTCOME_APPLIED),
          refused: refusal === undefined ? "" : `${refusal.code}: ${refusal.reason}`,
        };
      },
      async queryRoadLeg(req: QueryRoadLegRequest, facts: CallFacts): Promise<QueryRoadLegResponse> {
        const partner = facts.origin;
        // A partner asks of its own journeys; the ministry of any partner's, naming none: refused.
        if (!isPartnerParty(partner)) throw new TicketingError("wrong-source", "a partner asks of its own journeys");
        const road = await currentRoadLeg(store, partner, req.journeyId, store.province);
        return road === undefined
          ? { found: false, ticketNo: "", saleStatus: 0, checkStatus: 0, departTime: undefined }
          : {
              found: true,
              ticketNo: road.ticketNo,
              saleStatus: road.saleStatus,
              checkStatus: road.checkStatus,
              departTime: road.departTime,
            };
      },
      async listLegMismatches(): Promise<ListLegMismatchesResponse> {
        return { mismatches: options.mismatches() };
      },
    },
    options.log,
    ticketingRefusal,
  );
}
