import { useMemo, useState } from "preact/hooks";
import type { IndicatorsView as Indicators } from "../../../src/api/api-types.js";
import { useApiData } from "../api/api-context.js";
import { ChartBox } from "../charts/chart-box.js";
import {
  aggregationLag,
  type ChartSpec,
  licenceRates,
  maintenance,
  ticketCoverage,
  ticketShare,
  ticketTrend,
} from "../charts/indicator-options.js";
import { ErrorNotice } from "../components/error-notice.js";
import { Loading } from "../components/loading.js";
import { type I18n, useI18n } from "../i18n/i18n.js";

/** The current month in Beijing time, as the backend's default period is. */
function currentPeriod(): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
  }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}`;
}

type MessageKey = Parameters<I18n["t"]>[0];

interface ChartDef {
  readonly testId: string;
  readonly title: MessageKey;
  readonly build: (view: Indicators, l: I18n) => ChartSpec;
  readonly wide?: boolean;
}

/** Charts grouped by the source they come from: an unavailable source shows one notice for its group. */
const sections: readonly {
  readonly source: string;
  readonly title: MessageKey;
  readonly charts: readonly ChartDef[];
}[] = [
  {
    source: "statistics",
    title: "ind.section.tickets",
    charts: [
      { testId: "chart-ticket-share", title: "ind.chart.ticketShare", build: ticketShare },
      { testId: "chart-ticket-coverage", title: "ind.chart.ticketCoverage", build: ticketCoverage },
      { testId: "chart-ticket-trend", title: "ind.chart.ticketTrend", build: ticketTrend, wide: true },
    ],
  },
  {
    source: "licence-library",
    title: "ind.section.licences",
    charts: [
      { testId: "chart-licence-rates", title: "ind.chart.licenceRates", build: licenceRates },
      { testId: "chart-aggregation-lag", title: "ind.chart.aggregationLag", build: aggregationLag },
    ],
  },
  {
    source: "maintenance",
    title: "ind.section.maintenance",
    charts: [{ testId: "chart-maintenance", title: "ind.chart.maintenance", build: maintenance }],
  },
];

function SourceUnavailable({ source, error }: { source: string; error: string }) {
  const { t, label } = useI18n();
  return (
    <div class="notice notice-warn" data-testid="source-unavailable" data-source={source}>
      {t("ind.unavailable", { source: label("ind.source", source), error })}
    </div>
  );
}

function Charts({ view }: { view: Indicators }) {
  const i18n = useI18n();
  const { t } = i18n;
  // Options are rebuilt only when the data or the language changes, so charts do not redraw on every render.
  const built = useMemo(
    () => sections.map((s) => ({ ...s, specs: s.charts.map((c) => ({ ...c, spec: c.build(view, i18n) })) })),
    [view, i18n],
  );
  const known = new Set(sections.map((s) => s.source));
  return (
    <>
      {view.unavailable
        .filter((u) => !known.has(u.source))
        .map((u) => (
          <SourceUnavailable key={u.source} source={u.source} error={u.error} />
        ))}
      {built.map((s) => {
        const down = view.unavailable.find((u) => u.source === s.source);
        return (
          <section class="card" key={s.source} data-section={s.source}>
            <h2>{t(s.title)}</h2>
            {down !== undefined ? (
              <SourceUnavailable source={down.source} error={down.error} />
            ) : (
              <div class={s.specs.length === 1 ? "chart-grid chart-grid-single" : "chart-grid"}>
                {s.specs.map((c) => (
                  <ChartBox
                    key={c.testId}
                    testId={c.testId}
                    title={t(c.title)}
                    option={c.spec.option}
                    points={c.spec.points}
                    wide={c.wide === true}
                  />
                ))}
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}

export function IndicatorsView() {
  const { t } = useI18n();
  const [period, setPeriod] = useState(currentPeriod);
  const { data, error, loading, reload } = useApiData((api) => api.indicators(period), `indicators:${period}`);
  return (
    <div class="view">
      <header class="view-head">
        <h1>{t("ind.title")}</h1>
        <div class="view-tools">
          <label class="field field-inline">
            <span>{t("ind.period")}</span>
            <input
              type="month"
              data-testid="indicators-period"
              value={period}
              max={currentPeriod()}
              onChange={(e) => {
                const v = e.currentTarget.value;
                if (/^\d{4}-\d{2}$/.test(v)) setPeriod(v);
              }}
            />
          </label>
        </div>
      </header>
      {error === undefined ? null : <ErrorNotice error={error} onRetry={reload} />}
      {data === undefined ? loading ? <Loading /> : null : <Charts view={data} />}
    </div>
  );
}
