import type { TicketIndicators } from "@hutong/proto";
import type { TopLevelSpec } from "vega-lite";
import type { PeriodKind } from "./periods.js";

/** One point of the chart: a province's e-ticket share in one step of the period. */
export interface SharePoint {
  readonly step: string;
  readonly province: string;
  /** Null when the province sold no ticket in that step: a gap in its line, not a fall to 0%. */
  readonly sharePercent: number | null;
}

/** The indicators of each step (each answered by the statistics service) as the chart's points. */
export function sharePoints(steps: readonly { step: string; indicators: readonly TicketIndicators[] }[]): SharePoint[] {
  return steps.flatMap(({ step, indicators }) =>
    indicators.map((i) => ({
      step,
      province: i.province,
      sharePercent: i.ticketsSold > 0 ? i.eTicketShareBp / 100 : null,
    })),
  );
}

/**
 * The vega-lite line chart of the e-ticket share over a period: x the steps (months of a year,
 * days of a month, or the day), y the share in percent, one line per province, points on it (a
 * province with one step sold, or a day alone, is then still seen).
 *
 * The x axis is ordinal over the steps as labels: they are Beijing-time periods, and a temporal
 * scale would read them as instants in the machine's zone. Both domains are given, so every step
 * has its place even where no province sold, every province keeps its colour from chart to chart
 * of the same federation, and the share is drawn against the whole 0-100%.
 */
export function shareChartSpec(
  period: string,
  kind: PeriodKind,
  steps: readonly string[],
  points: readonly SharePoint[],
): TopLevelSpec {
  const provinces = [...new Set(points.map((p) => p.province))].sort();
  return {
    title: {
      text: `E-ticket share by province, ${period}`,
      subtitle: "e-tickets sold / tickets sold (notice §6), from the ministry's statistics service",
      anchor: "start",
    },
    width: 640,
    height: 320,
    background: "white",
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "step",
        type: "ordinal",
        title: kind === "year" ? "month" : "day",
        scale: { domain: [...steps] },
        axis: { labelAngle: steps.length > 12 ? -60 : 0 },
      },
      y: {
        field: "sharePercent",
        type: "quantitative",
        title: "e-ticket share (%)",
        scale: { domain: [0, 100] },
      },
      color: {
        field: "province",
        type: "nominal",
        title: "province",
        scale: { domain: provinces },
        // Party ids are long ("prov:510000/ticketing"): shown whole, not cut at 160 px.
        legend: { labelLimit: 0 },
      },
    },
  };
}
