import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TicketIndicators } from "@hutong/proto";
import { shareChartSpec, sharePoints } from "./share-chart.js";

const ind = (province: string, period: string, ticketsSold: number, eTicketShareBp: number): TicketIndicators => ({
  province,
  period,
  grade2Stations: 0,
  grade2StationsETicket: 0,
  customisedRoutes: 0,
  customisedRoutesETicket: 0,
  smartTicketingStations: 0,
  smartCheckingStations: 0,
  ticketsSold,
  eTicketsSold: Math.floor((ticketsSold * eTicketShareBp) / 10_000),
  eTicketShareBp,
});

describe("report chart: the e-ticket share over a period as a vega-lite spec", () => {
  it("makes one point per province per step, a gap (null) where nothing was sold", () => {
    const points = sharePoints([
      { step: "2026-01", indicators: [ind("b", "2026-01", 10, 4550), ind("a", "2026-01", 0, 0)] },
      { step: "2026-02", indicators: [ind("b", "2026-02", 3, 3333), ind("a", "2026-02", 7, 10_000)] },
    ]);
    assert.deepEqual(points, [
      { step: "2026-01", province: "b", sharePercent: 45.5 },
      { step: "2026-01", province: "a", sharePercent: null },
      { step: "2026-02", province: "b", sharePercent: 33.33 },
      { step: "2026-02", province: "a", sharePercent: 100 },
    ]);
  });

  it("draws lines over the steps as given, coloured by province, titled with the period", () => {
    const steps = ["2026-01", "2026-02", "2026-03"];
    const points = [
      { step: "2026-02", province: "prov:510000/ticketing", sharePercent: 50 },
      { step: "2026-02", province: "prov:310000/ticketing", sharePercent: null },
    ];
    const spec = shareChartSpec("2026", "year", steps, points) as Record<string, unknown> & {
      title: { text: string };
      mark: { type: string; point: boolean };
      data: { values: unknown[] };
      encoding: Record<string, { field: string; type: string; title: string; scale: { domain: unknown[] } }>;
    };
    assert.equal(spec.title.text, "E-ticket share by province, 2026");
    assert.deepEqual(spec.mark, { type: "line", point: true });
    assert.deepEqual(spec.data.values, points);
    assert.equal(spec.encoding.x?.field, "step");
    assert.equal(spec.encoding.x?.type, "ordinal", "labels, not instants in the machine's zone");
    assert.equal(spec.encoding.x?.title, "month");
    assert.deepEqual(spec.encoding.x?.scale.domain, steps, "every step has its place, data or not");
    assert.equal(spec.encoding.y?.field, "sharePercent");
    assert.deepEqual(spec.encoding.y?.scale.domain, [0, 100]);
    assert.equal(spec.encoding.color?.field, "province");
    assert.deepEqual(spec.encoding.color?.scale.domain, ["prov:310000/ticketing", "prov:510000/ticketing"]);
    const byDay = shareChartSpec("2026-12", "month", ["2026-12-01"], []) as { encoding: { x: { title: string } } };
    assert.equal(byDay.encoding.x.title, "day");
  });
});
