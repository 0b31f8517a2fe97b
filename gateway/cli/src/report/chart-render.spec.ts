import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../support/usage-error.js";
import { chartFormatOf, chartSvg, svgToPng, writeChart } from "./chart-render.js";
import { type SharePoint, shareChartSpec } from "./share-chart.js";

const provinces = ["prov:510000/ticketing", "prov:440000/ticketing", "prov:310000/ticketing"];
const steps = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"];
const points: SharePoint[] = provinces.flatMap((province, p) =>
  steps.map((step, s) => ({ step, province, sharePercent: 20 + 10 * p + s })),
);
const spec = shareChartSpec("2026-12", "month", steps, points);
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The line marks' paths in vega's SVG: each carries role "line mark" and its data as its label. */
const linePaths = (svg: string) =>
  [...svg.matchAll(/<path [^>]*aria-roledescription="line mark"[^>]*>/g)].map((m) => m[0]);

describe("report chart: rendered headless by vega, rasterised by resvg", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-report-chart-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("draws one line per province, named in the legend, under the period's title", async () => {
    const svg = await chartSvg(spec);
    assert.ok(svg.startsWith("<svg"), svg.slice(0, 80));
    assert.match(svg, />E-ticket share by province, 2026-12</);
    const paths = linePaths(svg);
    assert.equal(paths.length, provinces.length, paths.join("\n"));
    for (const province of provinces) {
      assert.equal(paths.filter((p) => p.includes(`province: ${province}`)).length, 1, province);
      assert.match(svg, new RegExp(`>${province.replaceAll("/", "\\/")}</text>`), `${province} in the legend, whole`);
    }
    // Every step is on the x axis, drawn in order.
    assert.deepEqual(
      steps.map((s) => svg.indexOf(`>${s}</text>`) > 0),
      steps.map(() => true),
    );
  });

  it("leaves a gap for a step where nothing was sold, still one line for the province", async () => {
    const gappy = shareChartSpec("2026-12", "month", steps, [
      { step: steps[0] as string, province: "p", sharePercent: 10 },
      { step: steps[1] as string, province: "p", sharePercent: null },
      { step: steps[2] as string, province: "p", sharePercent: 30 },
      { step: steps[3] as string, province: "p", sharePercent: 40 },
    ]);
    const paths = linePaths(await chartSvg(gappy));
    assert.equal(paths.length, 1);
    const d = /\sd="([^"]*)"/.exec(paths[0] ?? "")?.[1] ?? "";
    assert.equal((d.match(/M/g) ?? []).length, 2, `the line starts again after the gap: ${d}`);
  });

  it("rasterises to PNG, and writes the file in the format its extension names", async () => {
    const png = svgToPng(await chartSvg(spec));
    assert.deepEqual(png.subarray(0, 8), pngSignature);
    // Twice the SVG's size (IHDR width at bytes 16-19).
    assert.ok(png.readUInt32BE(16) > 1000, String(png.readUInt32BE(16)));
    await writeChart(join(dir, "share.PNG"), spec);
    assert.deepEqual((await readFile(join(dir, "share.PNG"))).subarray(0, 8), pngSignature);
    await writeChart(join(dir, "share.svg"), spec);
    assert.match(await readFile(join(dir, "share.svg"), "utf8"), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    await assert.rejects(
      writeChart(join(dir, "no-such-dir", "share.svg"), spec),
      (e: unknown) => e instanceof UsageError && /cannot write it \(ENOENT\)/.test(e.message),
    );
  });

  it("takes .svg or .png, in any case, and nothing else", () => {
    assert.equal(chartFormatOf("a/b.svg"), "svg");
    assert.equal(chartFormatOf("B.SVG"), "svg");
    assert.equal(chartFormatOf("c.png"), "png");
    for (const bad of ["c.jpg", "c", "svg", "c.svg.txt", "c.pdf"]) {
      assert.throws(
        () => chartFormatOf(bad),
        (e: unknown) => e instanceof UsageError && /must end in \.svg or \.png/.test(e.message),
        bad,
      );
    }
  });
});
