import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UsageError } from "../support/usage-error.js";
import { type AnnualData, issueLines, type RateDef, rateBp, rateDefs, readJsonFile } from "./annual-data.js";

/**
 * The self-evaluation (自评表) of the annual report, scored by a sheet: a JSON file listing items,
 * each reading one metric of the year and turning it into points by thresholds. The licence
 * specification's 附表2 criteria are not public, so the sheet shipped with hutong
 * (gateway/cli/scoring/annual-default.json) is our own; `--scoring FILE` replaces it.
 *
 *   {
 *     "title": "…",                          shown above the table
 *     "note": "…",                           optional: shown under it
 *     "items": [
 *       {
 *         "name": "数据合规率",              unique, shown as the item
 *         "metric": "complianceRate",        one of scoringMetrics below
 *         "max": 25,                         the item's full score (> 0)
 *         "thresholds": [                    tried in order, the first met gives its points
 *           { "atLeast": 95, "points": 25 }, rates: percent, the best first (values falling)
 *           { "atLeast": 90, "points": 15 }
 *         ]                                  none met, or no figure for the year: 0 points
 *       },
 *       { "name": "归集时效", "metric": "lagP99Seconds", "max": 10,
 *         "thresholds": [ { "atMost": 60, "points": 10 }, { "atMost": 3600, "points": 5 } ] }
 *     ]
 *   }
 *
 * The rates are scored by `atLeast` (percent, 0–100), the lag by `atMost` (seconds); points run
 * from 0 to the item's max and do not rise down the list.
 */
export const scoringMetrics = [
  "issuanceRate",
  "activationRate",
  "complianceRate",
  "aggregationRate",
  "lagP99Seconds",
] as const;
export type ScoringMetric = (typeof scoringMetrics)[number];

/** What each metric is, as the table's 指标 column says it. */
export const metricNames: Readonly<Record<ScoringMetric, string>> = {
  issuanceRate: "制证率（%）",
  activationRate: "激活率（%）",
  complianceRate: "数据合规率（%）",
  aggregationRate: "归集率（%）",
  lagP99Seconds: "归集时延 p99（秒）",
};

/** The sheet shipped with hutong (ours: the spec's 附表2 criteria are not public). */
export const defaultScoringFile = fileURLToPath(new URL("../../scoring/annual-default.json", import.meta.url));

const threshold = z.strictObject({
  atLeast: z.number().finite().optional(),
  atMost: z.number().finite().optional(),
  points: z.number().finite().nonnegative(),
});

const item = z
  .strictObject({
    name: z.string().trim().min(1).max(60),
    metric: z.enum(scoringMetrics),
    max: z.number().finite().positive(),
    thresholds: z.array(threshold).min(1).max(20),
  })
  .superRefine((it, ctx) => {
    const lag = it.metric === "lagP99Seconds";
    const key = lag ? "atMost" : "atLeast";
    const other = lag ? "atLeast" : "atMost";
    let before: { value: number; points: number } | undefined;
    it.thresholds.forEach((t, i) => {
      const path = ["thresholds", i];
      if (t[other] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [...path, other],
          message: `${it.metric} is scored by ${key} (${lag ? "seconds, the best first" : "percent, the best first"}), not ${other}`,
        });
        return;
      }
      const value = t[key];
      if (value === undefined) {
        ctx.addIssue({ code: "custom", path, message: `needs ${key}` });
        return;
      }
      if (value < 0 || (!lag && value > 100)) {
        ctx.addIssue({
          code: "custom",
          path: [...path, key],
          message: lag ? "a lag is 0 seconds or more" : "a rate is a percentage from 0 to 100",
        });
      }
      if (t.points > it.max) {
        ctx.addIssue({ code: "custom", path: [...path, "points"], message: `more than the item's max ${it.max}` });
      }
      if (before !== undefined) {
        if (lag ? value <= before.value : value >= before.value) {
          ctx.addIssue({
            code: "custom",
            path: [...path, key],
            message: `never reached: ${key} ${value} comes after ${key} ${before.value} (list the best first)`,
          });
        }
        if (t.points > before.points) {
          ctx.addIssue({
            code: "custom",
            path: [...path, "points"],
            message: `${t.points} points for a worse result than the ${before.points} before it`,
          });
        }
      }
      before = { value, points: t.points };
    });
  });

const sheetSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(120),
    note: z.string().max(1000).optional(),
    items: z.array(item).min(1).max(50),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.items.forEach((it, i) => {
      if (seen.has(it.name)) ctx.addIssue({ code: "custom", path: ["items", i, "name"], message: "named twice" });
      seen.add(it.name);
    });
  });

export type ScoringSheet = z.output<typeof sheetSchema>;
export type ScoringItem = ScoringSheet["items"][number];

export interface LoadedSheet {
  readonly sheet: ScoringSheet;
  /** Where it came from: the one shipped with hutong, or the file named by --scoring. */
  readonly file: string;
  readonly isDefault: boolean;
}

/** A sheet checked: any problem is a usage error listing every one, with where it is. */
export function parseScoringSheet(json: unknown, file: string): ScoringSheet {
  const r = sheetSchema.safeParse(json);
  if (!r.success) throw new UsageError(`--scoring ${file}: not a scoring sheet:\n${issueLines(r.error).join("\n")}`);
  return r.data;
}

/** The sheet --scoring names, or the default one. */
export async function loadScoringSheet(file?: string): Promise<LoadedSheet> {
  const path = file ?? defaultScoringFile;
  return { sheet: parseScoringSheet(await readJsonFile(path, "--scoring"), path), file: path, isDefault: !file };
}

/** The year's figure for each metric; null where there is none (nothing to count, nothing aggregated). */
export function metricValues(data: AnnualData): Record<ScoringMetric, number | null> {
  const percent = (def: RateDef) => {
    const bp = rateBp(def, data.yearRates);
    return bp === null ? null : bp / 100;
  };
  const [issuance, activation, compliance, aggregation] = rateDefs;
  const a = data.aggregation;
  return {
    issuanceRate: percent(issuance),
    activationRate: percent(activation),
    complianceRate: percent(compliance),
    aggregationRate: percent(aggregation),
    lagP99Seconds: a === null || a.appliedSeq === 0n ? null : a.lagP99Ms / 1000,
  };
}

export interface ItemScore {
  readonly item: ScoringItem;
  readonly value: number | null;
  readonly points: number;
  /** The threshold met (its index), or null when none was. */
  readonly met: number | null;
}

export interface Scored {
  readonly items: readonly ItemScore[];
  readonly total: number;
  readonly max: number;
}

/** Each item's points: those of the first threshold its metric meets, else 0. */
export function scoreSheet(sheet: ScoringSheet, values: Readonly<Record<ScoringMetric, number | null>>): Scored {
  const items = sheet.items.map((item): ItemScore => {
    const value = values[item.metric];
    const met =
      value === null
        ? -1
        : item.thresholds.findIndex((t) =>
            t.atLeast !== undefined ? value >= t.atLeast : t.atMost !== undefined && value <= t.atMost,
          );
    return { item, value, points: met < 0 ? 0 : (item.thresholds[met]?.points ?? 0), met: met < 0 ? null : met };
  });
  // Sums of points as a person adds them: 12.5 + 7.5 is 20, not 19.999….
  const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 1000) / 1000;
  return { items, total: sum(items.map((s) => s.points)), max: sum(sheet.items.map((i) => i.max)) };
}

/** A threshold as the table's 评分标准 column says it: "≥95%：25分". */
export function thresholdText(item: ScoringItem): string {
  const lag = item.metric === "lagP99Seconds";
  const parts = item.thresholds.map((t) => (lag ? `≤${t.atMost}秒：${t.points}分` : `≥${t.atLeast}%：${t.points}分`));
  return `${parts.join("；")}；其余：0分`;
}
