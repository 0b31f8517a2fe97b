import type { TopLevelSpec } from "vega-lite";
import { type AnnualData, monthBegun, type RateDef, rateBp, rateDefs } from "./annual-data.js";
import { chartSvg } from "./chart-render.js";

/**
 * The report's fonts, CJK first, the charts' as the page's. WenQuanYi Micro Hei (Debian
 * fonts-wqy-microhei) leads: its TrueType outlines go into the PDF as an embedded font, where
 * Chromium would draw Noto CJK's CFF outlines as Type 3 shapes.
 */
export const cjkFontStack =
  '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback", sans-serif';

/** One point of a rate's line: its month ("3月") and value in percent, null where there is none. */
export interface MonthPoint {
  readonly month: string;
  readonly percent: number | null;
}

/**
 * A rate's value at the end of each month: null for a month not yet begun when the library was
 * asked (its "end" would only repeat today's figures) and where nothing was counted (a gap in
 * the line, not a fall to 0%).
 */
export function monthPoints(data: AnnualData, def: RateDef): MonthPoint[] {
  return data.monthRates.map((r, i) => {
    const bp = monthBegun(data, r.period) ? rateBp(def, r) : null;
    return { month: `${i + 1}月`, percent: bp === null ? null : bp / 100 };
  });
}

/**
 * The vega-lite line chart of one rate over the year's months: x the twelve months (ordinal
 * labels, every month in its place even without a figure), y the rate against the whole 0–100%,
 * and where a notice sets a floor (95% for 数据合规率 and 归集率) a dashed rule at it.
 */
export function monthlyRateSpec(def: RateDef, year: string, points: readonly MonthPoint[]): TopLevelSpec {
  const line = {
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: "line" as const, point: true },
    encoding: {
      x: {
        field: "month",
        type: "ordinal" as const,
        title: null,
        scale: { domain: points.map((p) => p.month) },
        axis: { labelAngle: 0 },
      },
      y: {
        field: "percent",
        type: "quantitative" as const,
        title: "%",
        scale: { domain: [0, 100] },
      },
    },
  };
  // The floor's rule and label: one datum of their own (a layer without data draws nothing).
  const floor = { data: { values: [{ target: def.target }] } };
  const y = { field: "target", type: "quantitative" as const };
  const target =
    def.target === undefined
      ? []
      : [
          { ...floor, mark: { type: "rule" as const, strokeDash: [4, 3], color: "#c0392b" }, encoding: { y } },
          {
            ...floor,
            mark: {
              type: "text" as const,
              align: "right" as const,
              baseline: "top" as const,
              dy: 3,
              color: "#c0392b",
              fontSize: 10,
            },
            encoding: { y, x: { value: 300 }, text: { value: `目标 ${def.target}%` } },
          },
        ];
  return {
    title: { text: `${def.name}（${year}年各月末）`, anchor: "start", fontSize: 13 },
    width: 300,
    height: 120,
    background: "white",
    config: { font: cjkFontStack },
    layer: [line, ...target],
  };
}

/** The four charts as SVG, in the order of rateDefs, drawn headless as `hutong report tickets` draws. */
export async function monthlyRateSvgs(data: AnnualData): Promise<string[]> {
  return Promise.all(rateDefs.map((def) => chartSvg(monthlyRateSpec(def, data.year, monthPoints(data, def)))));
}
