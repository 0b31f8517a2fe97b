import type * as grpc from "@grpc/grpc-js";
import {
  type ApplyLegNoticeRequest,
  type ApplyLegNoticeResponse,
  CheckStatus,
  EventOutcome,
  type LegMismatch,
  LegNoticeKind,
  type ListLegMismatchesResponse,
  type QueryRoadLegRequest,
  type QueryRoadLegResponse,
  SaleStatus,
  ThroughTicketServiceService,
  type Ticket,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, type ServiceLog } from "@hutong/service-kit";
import type { ProvinceStore } from "../store/port/province-store.js";
import { TicketingError, ticketingRefusal } from "../ticketing-error.js";
import { isPartnerParty, journeySource, legNoticeEvents, roadLegTicketNo } from "./leg-notice-events.js";
import { currentRoadLeg } from "./road-leg-lookup.js";

const live = new Set<number>([SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN]);
const unboarded = new Set<number>([CheckStatus.CHECK_STATUS_UNCHECKED, CheckStatus.CHECK_STATUS_REVOKED]);
/** Whether a road leg may still be changed out (the lifecycle's own rule for CHANGE_OUT). */
const movable = (t: Ticket) => live.has(t.saleStatus) && unboarded.has(t.checkStatus);

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
        // A change is a change-out and a change-in: both or neither. Refused before anything is
        // written when the road leg can no longer move (boarded, ended); a change applied before
        // (its new leg exists) is a redelivery.
        if (notice.kind === LegNoticeKind.LEG_NOTICE_KIND_CHANGED && current !== undefined) {
          const moved = roadLegTicketNo(store.province, partner, journeyId, notice.seq);
          if ((await store.ticket(moved)) !== undefined) return { roadTicketNo: moved, applied: false, refused: "" };
          if (!movable(current)) {
            return {
              roadTicketNo: current.ticketNo,
              applied: false,
              refused: "FAILED_PRECONDITION: the road leg is boarded or ended and cannot be changed",
            };
          }
        }
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
      async listLegMismatches(_req: unknown, facts: CallFacts): Promise<ListLegMismatchesResponse> {
        // A partner sees its own journeys' findings; the ministry (or the province) all of them.
        const all = options.mismatches();
        return { mismatches: isPartnerParty(facts.origin) ? all.filter((m) => m.partner === facts.origin) : all };
      },
    },
    options.log,
    ticketingRefusal,
  );
}
