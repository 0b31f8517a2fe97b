import type { IndicatorsView } from "../../../src/api/api-types.js";
import type { I18n } from "../i18n/i18n.js";
import type { BarSeriesOption, ChartOption, LineSeriesOption } from "./echarts.js";

// The option of each indicator chart, and how many data points it draws (data-points). Pure: the
// view and the dictionary in, plain objects out.

export interface ChartSpec {
  readonly option: ChartOption;
  readonly points: number;
}

type Labels = Pick<I18n, "t" | "province" | "label">;

const palette = ["#2f6fb0", "#3f9b7b", "#d39a2c", "#7d64b5", "#c4553f", "#4aa3c8", "#8c8c8c"];
const badColour = "#c4453a";

/** 0..1 as a percentage with one decimal, the unit every rate axis uses. */
const pct = (rate: number) => Math.round(rate * 1000) / 10;

const percentAxis = {
  type: "value" as const,
  min: 0,
  max: 100,
  axisLabel: { formatter: "{value}%" },
  splitLine: { lineStyle: { color: "#e6e9ef" } },
};

const base = (): ChartOption => ({
  color: palette,
  animationDuration: 300,
  grid: { left: 48, right: 16, top: 36, bottom: 40, containLabel: true },
  tooltip: { trigger: "axis" },
  textStyle: { fontFamily: "inherit" },
});

const percentTooltip = {
  trigger: "axis" as const,
  valueFormatter: (v: unknown) => (typeof v === "number" ? `${v}%` : "—"),
};

function groupedBars(
  categories: readonly string[],
  series: readonly { name: string; data: readonly number[] }[],
): ChartSpec {
  return {
    option: {
      ...base(),
      tooltip: percentTooltip,
      legend: { top: 0 },
      xAxis: {
        type: "category",
        data: [...categories],
        axisLabel: { interval: 0, rotate: categories.length > 8 ? 30 : 0 },
      },
      yAxis: percentAxis,
      series: series.map((s): BarSeriesOption => ({ type: "bar", name: s.name, data: [...s.data], barMaxWidth: 28 })),
    },
    points: series.reduce((n, s) => n + s.data.length, 0),
  };
}

export function ticketShare(view: IndicatorsView, l: Labels): ChartSpec {
  const rows = [...view.tickets].sort((a, b) => b.share - a.share);
  return {
    option: {
      ...base(),
      tooltip: percentTooltip,
      xAxis: { type: "category", data: rows.map((r) => l.province(r.province)), axisLabel: { interval: 0 } },
      yAxis: percentAxis,
      series: [
        {
          type: "bar",
          name: l.t("ind.series.share"),
          data: rows.map((r) => pct(r.share)),
          barMaxWidth: 36,
          label: { show: rows.length <= 12, position: "top", formatter: "{c}%" },
        },
      ],
    },
    points: rows.length,
  };
}

export function ticketCoverage(view: IndicatorsView, l: Labels): ChartSpec {
  const rows = view.tickets;
  return groupedBars(
    rows.map((r) => l.province(r.province)),
    [
      { name: l.t("ind.series.stationCoverage"), data: rows.map((r) => pct(r.stationCoverage)) },
      { name: l.t("ind.series.routeCoverage"), data: rows.map((r) => pct(r.routeCoverage)) },
    ],
  );
}

/** E-ticket share per day, one line per province. */
export function ticketTrend(view: IndicatorsView, l: Labels): ChartSpec {
  const days = [...new Set(view.ticketTrend.map((r) => r.period))].sort();
  const provinces = [...new Set(view.ticketTrend.map((r) => r.province))].sort();
  const series = provinces.map((p): LineSeriesOption => {
    const byDay = new Map(view.ticketTrend.filter((r) => r.province === p).map((r) => [r.period, r.share]));
    return {
      type: "line",
      name: l.province(p),
      showSymbol: days.length <= 31,
      connectNulls: false,
      data: days.map((d) => {
        const v = byDay.get(d);
        return v === undefined ? null : pct(v);
      }),
    };
  });
  return {
    option: {
      ...base(),
      tooltip: percentTooltip,
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: days.map((d) => d.slice(5)), boundaryGap: false },
      yAxis: percentAxis,
      series,
    },
    points: view.ticketTrend.length,
  };
}

export function licenceRates(view: IndicatorsView, l: Labels): ChartSpec {
  const rows = view.licences;
  return groupedBars(
    rows.map((r) => l.province(r.province)),
    [
      { name: l.t("ind.series.issuance"), data: rows.map((r) => pct(r.issuance)) },
      { name: l.t("ind.series.activation"), data: rows.map((r) => pct(r.activation)) },
      { name: l.t("ind.series.compliance"), data: rows.map((r) => pct(r.compliance)) },
      { name: l.t("ind.series.aggregation"), data: rows.map((r) => pct(r.aggregation)) },
    ],
  );
}

/** Lag p50 and p99; a lagging province is named with a warning sign and drawn red. */
export function aggregationLag(view: IndicatorsView, l: Labels): ChartSpec {
  const rows = view.aggregation;
  // Milliseconds while every lag is under ten seconds (aggregation is near real time); seconds beyond.
  const inMs = rows.every((r) => r.lagP99Ms < 10_000);
  const seconds = (ms: number) => (inMs ? ms : Math.round(ms / 100) / 10);
  const bars = (name: string, pick: (r: (typeof rows)[number]) => number, opacity: number): BarSeriesOption => ({
    type: "bar",
    name,
    barMaxWidth: 28,
    data: rows.map((r) => ({
      value: seconds(pick(r)),
      itemStyle: r.lagging ? { color: badColour, opacity } : { opacity },
    })),
  });
  return {
    option: {
      ...base(),
      tooltip: {
        trigger: "axis",
        valueFormatter: (v: unknown) => (typeof v !== "number" ? "—" : inMs ? `${v} ms` : l.t("ind.seconds", { n: v })),
      },
      legend: { top: 0 },
      xAxis: {
        type: "category",
        data: rows.map((r) =>
          r.lagging ? `⚠ ${l.province(r.province)} · ${l.t("ind.lagging")}` : l.province(r.province),
        ),
        axisLabel: { interval: 0, color: (_: unknown, i?: number) => (rows[i ?? -1]?.lagging ? badColour : "#4a5568") },
      },
      yAxis: {
        type: "value",
        axisLabel: { formatter: inMs ? "{value} ms" : "{value} s" },
        splitLine: { lineStyle: { color: "#e6e9ef" } },
      },
      series: [bars(l.t("ind.series.p50"), (r) => r.lagP50Ms, 0.65), bars(l.t("ind.series.p99"), (r) => r.lagP99Ms, 1)],
    },
    points: rows.length * 2,
  };
}

export function maintenance(view: IndicatorsView, l: Labels): ChartSpec {
  const rows = view.maintenance;
  return {
    option: {
      ...base(),
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { orient: "vertical", right: 8, top: "middle" },
      series: [
        {
          type: "pie",
          radius: ["38%", "68%"],
          center: ["40%", "52%"],
          label: { formatter: "{b}\n{d}%" },
          data: rows.map((r) => ({ name: l.label("maintenance", r.state), value: r.count })),
        },
      ],
    },
    points: rows.length,
  };
}
