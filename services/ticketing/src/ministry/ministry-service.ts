import * as grpc from "@grpc/grpc-js";
import {
  type ListStationDayRequest,
  type ListStationDayResponse,
  type QueryTicketIndicatorsRequest,
  type QueryTicketIndicatorsResponse,
  type ReportTicketStatisticsRequest,
  type ReportTicketStatisticsResponse,
  TicketStatisticsServiceService,
} from "@hutong/proto";
import { addUnaryService, type CallFacts, isPeriod, type ServiceLog } from "@hutong/service-kit";
import type { MinistryStore } from "../store/port/ministry-store.js";
import { TicketingError, ticketingRefusal } from "../ticketing-error.js";

/** The ministry's statistics service as gRPC (TicketStatisticsService), on its own store. */
export function createMinistryServer(store: MinistryStore, log: ServiceLog, now: () => number = Date.now): grpc.Server {
  const server = new grpc.Server();
  addUnaryService(
    server,
    TicketStatisticsServiceService,
    {
      async reportTicketStatistics(
        req: ReportTicketStatisticsRequest,
        facts: CallFacts,
      ): Promise<ReportTicketStatisticsResponse> {
        if (req.province !== facts.origin) {
          throw new TicketingError(
            "wrong-source",
            `a report for "${req.province}" sent by ${facts.origin || "no gateway"}`,
          );
        }
        return store.report(facts.origin, req, now());
      },
      async queryTicketIndicators(req: QueryTicketIndicatorsRequest): Promise<QueryTicketIndicatorsResponse> {
        if (!isPeriod(req.period))
          throw new TicketingError("malformed", `period "${req.period}" is not YYYY, YYYY-MM or YYYY-MM-DD`);
        return { indicators: await store.indicators(req.period, req.province) };
      },
      async listStationDay(req: ListStationDayRequest): Promise<ListStationDayResponse> {
        if (req.day.length !== 10 || !isPeriod(req.day))
          throw new TicketingError("malformed", `day "${req.day}" is not YYYY-MM-DD`);
        return { entries: await store.stationDay(req.stationCode, req.day) };
      },
    },
    log,
    ticketingRefusal,
  );
  return server;
}
