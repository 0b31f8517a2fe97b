import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { UsageError } from "../support/usage-error.js";

export type ChartFormat = "svg" | "png";

/** vega's log level Error (vega-util's `Error`, which vega's types do not re-export). */
const vegaErrorLevel = 1;

/** The chart's format, by the file's extension; anything else is a usage error before any call. */
export function chartFormatOf(file: string): ChartFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".svg") return "svg";
  if (ext === ".png") return "png";
  throw new UsageError(`--chart ${file}: the file must end in .svg or .png`);
}

/**
 * A vega-lite spec drawn as SVG in this process: compiled to vega, run headless (renderer "none":
 * no browser, no canvas; text widths are estimated). Only vega's errors are logged: its warnings
 * would be noise on the command's stderr.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none", logLevel: vegaErrorLevel });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The SVG rasterised by resvg (a prebuilt binary, no canvas or browser), at twice its size for print. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, background: "white" }).render().asPng();
}

/** Writes the chart in the file's format; a file that cannot be written is a usage error naming it. */
export async function writeChart(file: string, spec: TopLevelSpec): Promise<void> {
  const svg = await chartSvg(spec);
  const bytes = chartFormatOf(file) === "png" ? svgToPng(svg) : svg;
  try {
    await writeFile(file, bytes);
  } catch (e) {
    throw new UsageError(`--chart ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
