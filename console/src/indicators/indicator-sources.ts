import {
  LicenceLibraryServiceService,
  LicenceMaintenanceServiceService,
  MaintenanceState,
  Purpose,
  type TicketIndicators,
  TicketStatisticsServiceService,
} from "@hutong/proto";
import { type Scope, seesProvince } from "../access/role-scope.js";
import type {
  AggregationRow,
  IndicatorSource,
  IndicatorsView,
  LicenceRateRow,
  TicketIndicatorRow,
} from "../api/api-types.js";
import { ConsoleError, isConsoleError } from "../errors/console-error.js";
import type { GatewayPool } from "../gateways/gateway-pool.js";

// The programme's indicators, read from the ministry's services through a gateway like any other
// regulatory query (purpose REGULATORY_SUPERVISION, so each read is in that gateway's log): the
// statistics service's e-ticket indicators (docs/tickets.md), the licence library's rates and
// aggregation status (docs/licences.md). A province operator's rows are cut to its province here.

export interface IndicatorSources {
  /** The gateway the services are reached through, and their parties. */
  readonly via: string;
  readonly statistics?: string;
  readonly licenceLibrary?: string;
  /** Provinces whose licence rates are asked for (6-digit codes). */
  readonly provinces: readonly string[];
}

const month = /^(20[0-9]{2})-(0[1-9]|1[0-2])$/;
const bp = (n: number) => n / 10_000;
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
/** "prov:510000/ticketing" → "prov:510000": rows are per member. */
const member = (party: string) => party.split("/")[0] ?? party;

/** The current month in Beijing time (UTC+8, no daylight saving). */
export function currentMonth(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 7);
}

function daysOf(period: string, nowMs: number): string[] {
  const [y, m] = period.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const today = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
  return Array.from({ length: last }, (_, i) => `${period}-${String(i + 1).padStart(2, "0")}`).filter(
    (d) => d <= today,
  );
}

function ticketRow(t: TicketIndicators, period: string): TicketIndicatorRow {
  return {
    province: member(t.province),
    period,
    stationCoverage: ratio(t.grade2StationsETicket, t.grade2Stations),
    routeCoverage: ratio(t.customisedRoutesETicket, t.customisedRoutes),
    share: bp(t.eTicketShareBp),
    ticketsSold: t.ticketsSold,
    eTicketsSold: t.eTicketsSold,
  };
}

export async function readIndicators(
  pool: GatewayPool,
  sources: IndicatorSources | undefined,
  scope: Scope,
  period: string | undefined,
  nowMs: number,
): Promise<IndicatorsView> {
  const p = period === undefined || period === "" ? currentMonth(nowMs) : period;
  if (!month.test(p)) throw new ConsoleError("invalid-argument", 'period must be a month, "YYYY-MM"');
  const unavailable: { source: IndicatorSource; error: string }[] = [];
  const view = {
    period: p,
    tickets: [] as TicketIndicatorRow[],
    ticketTrend: [] as TicketIndicatorRow[],
    licences: [] as LicenceRateRow[],
    aggregation: [] as AggregationRow[],
    maintenance: [] as { state: string; count: number }[],
    unavailable,
  };
  if (sources === undefined) {
    unavailable.push({ source: "statistics", error: "no statistics service is configured" });
    unavailable.push({ source: "licence-library", error: "no licence library is configured" });
    unavailable.push({ source: "maintenance", error: "no licence library is configured" });
    return view;
  }
  const context = (target: string) => ({
    targetParty: target,
    purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
    grantId: "",
    correlationId: "",
  });
  const guard = async (source: IndicatorSource, run: () => Promise<void>) => {
    try {
      await run();
    } catch (e) {
      if (!isConsoleError(e)) throw e;
      unavailable.push({ source, error: e.message });
    }
  };
  const visible = <T extends { province: string }>(rows: T[]) => rows.filter((r) => seesProvince(scope, r.province));

  const statistics = sources.statistics;
  if (statistics === undefined)
    unavailable.push({ source: "statistics", error: "no statistics service is configured" });
  else
    await guard("statistics", async () => {
      const query = async (q: string) =>
        (
          await pool.call(sources.via, TicketStatisticsServiceService.queryTicketIndicators, {
            context: context(statistics),
            period: q,
            province: "",
          })
        ).indicators.map((t) => ticketRow(t, q));
      view.tickets = visible(await query(p));
      for (const day of daysOf(p, nowMs)) view.ticketTrend.push(...visible(await query(day)));
    });

  const library = sources.licenceLibrary;
  if (library === undefined) {
    unavailable.push({ source: "licence-library", error: "no licence library is configured" });
  } else {
    await guard("licence-library", async () => {
      for (const code of sources.provinces) {
        if (!seesProvince(scope, `prov:${code}`)) continue;
        const r = await pool.call(sources.via, LicenceLibraryServiceService.queryLicenceRates, {
          context: context(library),
          province: code,
          period: p,
        });
        if (r.rates === undefined) continue;
        view.licences.push({
          province: `prov:${code}`,
          issuance: bp(r.rates.issuanceBp),
          activation: bp(r.rates.activationBp),
          compliance: bp(r.rates.complianceBp),
          aggregation: bp(r.rates.aggregationBp),
        });
      }
      const status = await pool.call(sources.via, LicenceLibraryServiceService.queryAggregationStatus, {
        context: context(library),
        province: "",
      });
      view.aggregation = visible(
        status.provinces.map((a) => ({
          province: `prov:${a.province}`,
          lagP50Ms: a.lagP50Ms,
          lagP99Ms: a.lagP99Ms,
          held: a.held,
          openGaps: a.openGaps.length,
          lagging: a.lagging,
        })),
      );
    });
  }
  if (library === undefined) unavailable.push({ source: "maintenance", error: "no licence library is configured" });
  else
    await guard("maintenance", async () => {
      const res = await pool.call(sources.via, LicenceMaintenanceServiceService.countMaintenanceRequests, {
        context: context(library),
        province: scope.province?.slice("prov:".length) ?? "",
      });
      const byState = new Map<string, number>();
      for (const c of res.counts) {
        if (!seesProvince(scope, `prov:${c.province}`)) continue;
        const state = (MaintenanceState[c.state] ?? "MAINTENANCE_STATE_UNSPECIFIED").replace(/^MAINTENANCE_STATE_/, "");
        byState.set(state, (byState.get(state) ?? 0) + c.count);
      }
      view.maintenance = [...byState].map(([state, count]) => ({ state, count }));
    });
  return view;
}
