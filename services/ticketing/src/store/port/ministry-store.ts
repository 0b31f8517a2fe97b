import type { ReportTicketStatisticsRequest, StationDayEntry, TicketIndicators } from "@hutong/proto";

/** The ministry statistics service's store (openMinistryStore). Every method answers after its commit. */
export interface MinistryStore {
  readonly kind: "sqlite" | "postgres";
  /** One province's report: every event and the registry applied once (inbox), in one transaction. */
  report(
    sender: string,
    req: ReportTicketStatisticsRequest,
    nowMs: number,
  ): Promise<{ applied: number; duplicates: number }>;
  indicators(period: string, province: string): Promise<TicketIndicators[]>;
  stationDay(stationCode: string, day: string): Promise<StationDayEntry[]>;
  close(): Promise<void>;
}
