import { useEffect, useRef } from "preact/hooks";
import { useI18n } from "../i18n/i18n.js";
import { type ChartOption, type EChartsType, init } from "./echarts.js";

/**
 * One chart in a fixed-height box. It marks itself `data-rendered="true"` when ECharts reports
 * 'finished' (tests and screenshots wait for it), follows the window's and its container's size,
 * and disposes of the chart on unmount.
 */
export function ChartBox({
  testId,
  title,
  option,
  points,
  height = 300,
  wide = false,
}: {
  testId: string;
  title: string;
  option: ChartOption;
  points: number;
  height?: number;
  /** Spans the whole row of the grid (a time series wants the width). */
  wide?: boolean;
}) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const c = init(el, undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("finished", () => {
      el.dataset.rendered = "true";
    });
    const resize = () => c.resize();
    window.addEventListener("resize", resize);
    const observer = typeof ResizeObserver === "undefined" ? undefined : new ResizeObserver(resize);
    observer?.observe(el);
    return () => {
      window.removeEventListener("resize", resize);
      observer?.disconnect();
      c.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    const el = box.current;
    const c = chart.current;
    if (el === null || c === undefined) return;
    // New data: not rendered until ECharts says it has finished drawing it.
    el.dataset.rendered = "false";
    c.setOption(option, { notMerge: true });
  }, [option]);

  return (
    <figure class={wide ? "chart chart-wide" : "chart"}>
      <figcaption>{title}</figcaption>
      <div class="chart-frame" style={{ height: `${height}px` }}>
        <div
          class="chart-canvas"
          ref={box}
          data-testid={testId}
          data-points={String(points)}
          style={{ height: `${height}px` }}
        />
        {points === 0 ? <div class="chart-empty">{t("ind.noData")}</div> : null}
      </div>
    </figure>
  );
}
