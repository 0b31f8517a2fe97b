import * as grpc from "@grpc/grpc-js";
import {
  CheckStatus,
  type DeliverTicketEventsRequest,
  type DeliverTicketEventsResponse,
  type GetTicketRequest,
  type GetTicketResponse,
  type LegMismatch,
  type PingRequest,
  type PingResponse,
  type QueryTicketStatusRequest,
  type QueryTicketStatusResponse,
  type ReconcileDailyRequest,
  type ReconcileDailyResponse,
  SaleStatus,
  TicketEventServiceService,
  TicketServiceService,
  type UploadTicketEventsRequest,
  type UploadTicketEventsResponse,
  type VerifyTicketRequest,
  type VerifyTicketResponse,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, isPeriod, type ServiceLog } from "@hutong/service-kit";
import { compareStationDay } from "../reconcile/compare-station-day.js";
import type { ProvinceStore } from "../store/port/province-store.js";
import { addThroughTicketService } from "../through/through-service.js";
import { TicketingError, ticketingRefusal } from "../ticketing-error.js";
import { checkBatch } from "../upload/check-batch.js";

export interface ProvinceServiceOptions {
  readonly store: ProvinceStore;
  /** Called after a commit that wrote outbox messages (wakes the dispatcher). */
  readonly enqueued?: () => void;
  readonly now?: () => number;
  readonly log: ServiceLog;
  /** The leg check's confirmed findings (ThroughTicketService); none when it does not run. */
  readonly legMismatches?: () => LegMismatch[];
}

const usable = new Set<number>([SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN]);
const boardable = new Set<number>([CheckStatus.CHECK_STATUS_UNCHECKED, CheckStatus.CHECK_STATUS_REVOKED]);

/**
 * The province e-ticket service as gRPC: TicketEventService (uploads from station systems,
 * deliveries from other provinces, status, reconciliation, ping), TicketService (get and verify
 * from its own store) and ThroughTicketService (partners' leg notices, road leg status). It trusts `hutong-origin`: it listens where only its gateway reaches it.
 */
export function createProvinceServer(options: ProvinceServiceOptions): grpc.Server {
  const { store } = options;
  const now = options.now ?? Date.now;
  const server = new grpc.Server();
  addUnaryService(
    server,
    TicketEventServiceService,
    {
      async uploadTicketEvents(req: UploadTicketEventsRequest, facts: CallFacts): Promise<UploadTicketEventsResponse> {
        checkBatch(facts.origin, req);
        const r = await store.upload(req.source, req.events, now());
        if (r.enqueued > 0) options.enqueued?.();
        return { ackedSeq: r.ackedSeq, results: [...r.results] };
      },
      async deliverTicketEvents(
        req: DeliverTicketEventsRequest,
        facts: CallFacts,
      ): Promise<DeliverTicketEventsResponse> {
        if (req.events.length === 0 || req.events.length > 1000) {
          throw new TicketingError("malformed", `a delivery holds 1 to 1000 events, not ${req.events.length}`);
        }
        return store.receive(facts.origin, req.events, now());
      },
      async queryTicketStatus(req: QueryTicketStatusRequest): Promise<QueryTicketStatusResponse> {
        if (req.ticketNo !== "") {
          const s = await store.status(req.ticketNo);
          return s === undefined
            ? { changes: [], nextSince: req.since, found: false }
            : { changes: [s], nextSince: s.seq, found: true };
        }
        const limit = req.limit === 0 || req.limit > 1000 ? 1000 : req.limit;
        const changes = await store.changesSince(req.since, limit);
        return { changes, nextSince: changes.at(-1)?.seq ?? req.since, found: changes.length > 0 };
      },
      async reconcileDaily(req: ReconcileDailyRequest): Promise<ReconcileDailyResponse> {
        if (!store.stations.some((s) => s.code === req.stationCode)) {
          throw new TicketingError(
            "unknown-station",
            `station "${req.stationCode}" is not registered in ${store.province}`,
          );
        }
        if (req.day.length !== 10 || !isPeriod(req.day))
          throw new TicketingError("malformed", `day "${req.day}" is not YYYY-MM-DD`);
        return compareStationDay(await store.stationDay(req.stationCode, req.day), req.entries);
      },
      async ping(req: PingRequest, facts: CallFacts): Promise<PingResponse> {
        if (req.source !== "" && req.source !== facts.origin) {
          throw new TicketingError("wrong-source", `the cursor of "${req.source}" is for that system only`);
        }
        return {
          nonce: req.nonce,
          party: store.party,
          serverTime: new Date(now()),
          lastSeq: await store.lastSeq(),
          ackedSeq: req.source === "" ? 0n : await store.ackedSeq(req.source),
        };
      },
    },
    options.log,
    ticketingRefusal,
  );
  addUnaryService(
    server,
    TicketServiceService,
    {
      async getTicket(req: GetTicketRequest): Promise<GetTicketResponse> {
        const ticket = await store.ticket(req.ticketNo);
        if (ticket === undefined) throw new TicketingError("not-found", `no ticket ${req.ticketNo}`);
        return { ticket, annotation: undefined };
      },
      async verifyTicket(req: VerifyTicketRequest): Promise<VerifyTicketResponse> {
        const t = await store.ticket(req.ticketNo);
        if (t === undefined) throw new TicketingError("not-found", `no ticket ${req.ticketNo}`);
        const p = t.passenger;
        const holderMatches =
          p !== undefined &&
          (req.holderIdNo === "" || req.holderIdNo === p.idNo) &&
          (req.holderIdType === 0 || req.holderIdType === p.idType) &&
          (req.holderName === "" || req.holderName === p.name);
        return {
          valid: usable.has(t.saleStatus) && boardable.has(t.checkStatus),
          holderMatches,
          scheduleMatches: req.scheduleNo !== "" && req.scheduleNo === t.scheduleNo,
          saleStatus: t.saleStatus,
          checkStatus: t.checkStatus,
          departTime: t.departTime,
        };
      },
    },
    options.log,
    ticketingRefusal,
  );
  addThroughTicketService(server, {
    store,
    log: options.log,
    now,
    ...(options.enqueued === undefined ? {} : { enqueued: options.enqueued }),
    mismatches: options.legMismatches ?? (() => []),
  });
  return server;
}
