import { readFile, writeFile } from "node:fs/promises";
import type { HutongClient } from "@hutong/client";
import { LicenceLibraryServiceService, type LicenceRates, type ProvinceAggregation, Purpose } from "@hutong/proto";
import { z } from "zod";
import { UsageError } from "../support/usage-error.js";
import { subPeriods } from "./periods.js";

/**
 * What the annual e-licence report is made of (licence specification 2022-11, 第二十三条): the
 * province's rates from the ministry's licence library for the year and for each of its months,
 * and where the province's aggregation stands. Fetched through the caller's gateway, or read from
 * a file that `--save-json` wrote (or a person wrote in the same shape), so a report can be made
 * again offline.
 *
 * The file (`format` "hutong.report.annual-licence.v1"):
 *
 *   {
 *     "format": "hutong.report.annual-licence.v1",
 *     "province": "510000",                 GB/T 2260 code of the province
 *     "year": "2026",
 *     "fetchedAt": "2026-11-25T02:00:00.000Z", when the library was asked (an instant, ISO 8601)
 *     "source": "mot/licence",              the library's party id
 *     "yearRates": { LicenceRates of period "2026" },
 *     "monthRates": [ LicenceRates of "2026-01" ... "2026-12", twelve, in order ],
 *     "aggregation": { ProvinceAggregation } or null when the library has none for the province
 *   }
 *
 * LicenceRates and ProvinceAggregation are the contract's messages (licence_aggregation_service
 * .proto) with their JSON names, every field present: the 64-bit counts as JSON numbers or decimal
 * strings, the rates in basis points (10000 = 100%), the lags in milliseconds.
 */
export const annualDataFormat = "hutong.report.annual-licence.v1";

export interface AnnualData {
  readonly province: string;
  readonly year: string;
  readonly fetchedAt: string;
  readonly source: string;
  readonly yearRates: LicenceRates;
  readonly monthRates: readonly LicenceRates[];
  readonly aggregation: ProvinceAggregation | null;
}

/** GB/T 2260 province-level codes and names (docs: domain.md §4); XPCC has no code of its own. */
export const provinceNames: Readonly<Record<string, string>> = {
  "110000": "北京市",
  "120000": "天津市",
  "130000": "河北省",
  "140000": "山西省",
  "150000": "内蒙古自治区",
  "210000": "辽宁省",
  "220000": "吉林省",
  "230000": "黑龙江省",
  "310000": "上海市",
  "320000": "江苏省",
  "330000": "浙江省",
  "340000": "安徽省",
  "350000": "福建省",
  "360000": "江西省",
  "370000": "山东省",
  "410000": "河南省",
  "420000": "湖北省",
  "430000": "湖南省",
  "440000": "广东省",
  "450000": "广西壮族自治区",
  "460000": "海南省",
  "500000": "重庆市",
  "510000": "四川省",
  "520000": "贵州省",
  "530000": "云南省",
  "540000": "西藏自治区",
  "610000": "陕西省",
  "620000": "甘肃省",
  "630000": "青海省",
  "640000": "宁夏回族自治区",
  "650000": "新疆维吾尔自治区",
};

/** The province's name; a code that is not one of the 31 is a usage error naming it. */
export function provinceFlag(value: string): string {
  if (!Object.hasOwn(provinceNames, value)) {
    throw new UsageError(
      `--province ${JSON.stringify(value.slice(0, 40))} is not a GB/T 2260 province code (six digits, e.g. 510000 for 四川省)`,
    );
  }
  return value;
}

/** A calendar year the library can answer for, as the period it asks ("2026"). */
export function yearFlag(value: string): string {
  if (!/^20\d\d$/.test(value))
    throw new UsageError(`--year ${JSON.stringify(value.slice(0, 40))} is not a year (2026)`);
  return value;
}

/** The four rates of docs/licences.md §5, as the report names and explains them. */
export interface RateDef {
  readonly key: "issuance" | "activation" | "compliance" | "aggregation";
  readonly name: string;
  readonly bp: (r: LicenceRates) => number;
  readonly numerator: (r: LicenceRates) => bigint;
  readonly denominator: (r: LicenceRates) => bigint;
  readonly numeratorName: string;
  readonly denominatorName: string;
  /** The floor a notice sets for it, in percent (交办运〔2024〕39号: 数据合规率 and 归集率 ≥ 95%). */
  readonly target?: number;
}

export const rateDefs: readonly [RateDef, RateDef, RateDef, RateDef] = [
  {
    key: "issuance",
    name: "制证率",
    bp: (r) => r.issuanceBp,
    numerator: (r) => r.electronicValid,
    denominator: (r) => r.registryValid,
    numeratorName: "有效电子证照",
    denominatorName: "运政系统有效证照",
  },
  {
    key: "activation",
    name: "激活率",
    bp: (r) => r.activationBp,
    numerator: (r) => r.activated,
    denominator: (r) => r.issued,
    numeratorName: "持证人已激活",
    denominatorName: "已签发电子证照",
  },
  {
    key: "compliance",
    name: "数据合规率",
    bp: (r) => r.complianceBp,
    numerator: (r) => r.compliantEvents,
    denominator: (r) => r.events,
    numeratorName: "通过全部数据规则的事件",
    denominatorName: "期内证照事件",
    target: 95,
  },
  {
    key: "aggregation",
    name: "归集率",
    bp: (r) => r.aggregationBp,
    numerator: (r) => r.aggregated,
    denominator: (r) => r.reported,
    numeratorName: "部级库已归集",
    denominatorName: "省级报告电子证照",
    target: 95,
  },
];

/** A rate in basis points, or null where its denominator is 0 (the library's 0 is "nothing to count"). */
export function rateBp(def: RateDef, r: LicenceRates): number | null {
  return def.denominator(r) === 0n ? null : def.bp(r);
}

/** The instant a Beijing-time month begins (UTC+8, no daylight saving). */
function beijingMonthStartMs(month: string): number {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return Date.UTC(y, m - 1, 1) - 8 * 3_600_000;
}

/** Whether the month had begun when the library was asked: a later one has no figures of its own yet. */
export function monthBegun(data: AnnualData, month: string): boolean {
  return Date.parse(data.fetchedAt) >= beijingMonthStartMs(month);
}

/** Whether the year was over when the library was asked (so its rates are the year-end ones). */
export function yearEnded(data: AnnualData): boolean {
  return Date.parse(data.fetchedAt) >= beijingMonthStartMs(`${Number(data.year) + 1}-01`);
}

/** An instant in Beijing time, "2026-11-25 10:00". */
export function beijingTimeText(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
}

export interface FetchOptions {
  readonly province: string;
  readonly year: string;
  /** The library's party id ("mot/licence"). */
  readonly target: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** A failure to make the report that is neither a usage error nor a refused call (exit 1). */
export class AnnualReportFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnnualReportFailure";
  }
}

/**
 * The year's data from the library, through the caller's gateway: the year's rates, each month's
 * (one query after another, as `hutong report tickets` asks), then the province's aggregation.
 * A refused call rejects with its WireError; an answer without rates is a failure naming the period.
 */
export async function fetchAnnualData(client: Pick<HutongClient, "unary">, o: FetchOptions): Promise<AnnualData> {
  const context = {
    targetParty: o.target,
    purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
    grantId: "",
    correlationId: "",
  };
  const fetchedAt = new Date((o.now ?? Date.now)()).toISOString();
  const rates = async (period: string): Promise<LicenceRates> => {
    const r = await client.unary(
      LicenceLibraryServiceService.queryLicenceRates,
      { context, province: o.province, period },
      { deadline: Date.now() + o.timeoutMs },
    );
    if (r.rates === undefined) throw new AnnualReportFailure(`${o.target} answered no rates for ${period}`);
    return r.rates;
  };
  const yearRates = await rates(o.year);
  const monthRates: LicenceRates[] = [];
  for (const month of subPeriods(o.year)) monthRates.push(await rates(month));
  const status = await client.unary(
    LicenceLibraryServiceService.queryAggregationStatus,
    { context, province: o.province },
    { deadline: Date.now() + o.timeoutMs },
  );
  const aggregation = status.provinces.find((p) => p.province === o.province) ?? null;
  return { province: o.province, year: o.year, fetchedAt, source: o.target, yearRates, monthRates, aggregation };
}

// --- the JSON file ---------------------------------------------------------------------------

const countMessage = "a count: a whole number from 0 (past 2^53, its decimal string)";
const u64 = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/, countMessage)], {
    error: countMessage,
  })
  .transform((v) => BigInt(v))
  .refine((v) => v < 1n << 64n, "exceeds uint64");
const u32 = z.number().int().nonnegative().max(0xffff_ffff);
const bp = z.number().int().min(0).max(10_000);

const ratesSchema = z.strictObject({
  province: z.string(),
  period: z.string(),
  electronicValid: u64,
  registryValid: u64,
  issuanceBp: bp,
  activated: u64,
  issued: u64,
  activationBp: bp,
  compliantEvents: u64,
  events: u64,
  complianceBp: bp,
  aggregated: u64,
  reported: u64,
  aggregationBp: bp,
});

const aggregationSchema = z.strictObject({
  province: z.string(),
  appliedSeq: u64,
  reportedHeadSeq: u64,
  held: u32,
  gapsDetected: u32,
  gapsRepaired: u32,
  openGaps: z.array(z.strictObject({ fromSeq: u64, toSeq: u64 })),
  lagP50Ms: u32,
  lagP99Ms: u32,
  lagMaxMs: u32,
  // The lag alert (files written before it existed have none: no alert).
  recentLagP99Ms: u32.default(0),
  lagWindowS: u32.default(0),
  lagAlertMs: u32.default(0),
  lagging: z.boolean().default(false),
});

const dataSchema = z
  .strictObject({
    format: z.literal(annualDataFormat),
    province: z.string().refine((p) => Object.hasOwn(provinceNames, p), "not a GB/T 2260 province code"),
    year: z.string().regex(/^20\d\d$/, "not a year"),
    fetchedAt: z.iso.datetime({ offset: true }),
    source: z.string().min(1),
    yearRates: ratesSchema,
    monthRates: z.array(ratesSchema).length(12),
    aggregation: aggregationSchema.nullable(),
  })
  .superRefine((d, ctx) => {
    // Twelve months or not at all: a list of the wrong length is one problem, not twelve.
    if (d.monthRates.length !== 12) return;
    const periods = [d.year, ...subPeriods(d.year)];
    const rates = [d.yearRates, ...d.monthRates];
    rates.forEach((r, i) => {
      const path = i === 0 ? ["yearRates"] : ["monthRates", i - 1];
      if (r.period !== periods[i]) {
        ctx.addIssue({ code: "custom", path: [...path, "period"], message: `must be "${periods[i]}"` });
      }
      if (r.province !== d.province) {
        ctx.addIssue({ code: "custom", path: [...path, "province"], message: `must be "${d.province}"` });
      }
    });
    if (d.aggregation !== null && d.aggregation.province !== d.province) {
      ctx.addIssue({ code: "custom", path: ["aggregation", "province"], message: `must be "${d.province}"` });
    }
  });

/** Zod's issues as lines "path: message", the path as a person writes it (items[0].max). */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
      .join("");
    return `  ${path || "(the whole file)"}: ${issue.message}`;
  });
}

/** A JSON file's text, parsed; a file that cannot be read or is not JSON is a usage error naming it. */
export async function readJsonFile(file: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: not JSON (${(e as Error).message})`);
  }
}

/** The data from a file of the documented shape; any problem is a usage error listing them all. */
export function parseAnnualData(json: unknown, file: string): AnnualData {
  const r = dataSchema.safeParse(json);
  if (!r.success) {
    throw new UsageError(`--from-json ${file}: not the annual report's data:\n${issueLines(r.error).join("\n")}`);
  }
  const { format: _, ...data } = r.data;
  return data;
}

/** A 64-bit count as JSON: a number while it is exact, else a decimal string. */
const countJson = (n: bigint): number | string => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : String(n));

function ratesJson(r: LicenceRates) {
  return {
    province: r.province,
    period: r.period,
    electronicValid: countJson(r.electronicValid),
    registryValid: countJson(r.registryValid),
    issuanceBp: r.issuanceBp,
    activated: countJson(r.activated),
    issued: countJson(r.issued),
    activationBp: r.activationBp,
    compliantEvents: countJson(r.compliantEvents),
    events: countJson(r.events),
    complianceBp: r.complianceBp,
    aggregated: countJson(r.aggregated),
    reported: countJson(r.reported),
    aggregationBp: r.aggregationBp,
  };
}

function aggregationJson(a: ProvinceAggregation) {
  return {
    province: a.province,
    appliedSeq: countJson(a.appliedSeq),
    reportedHeadSeq: countJson(a.reportedHeadSeq),
    held: a.held,
    gapsDetected: a.gapsDetected,
    gapsRepaired: a.gapsRepaired,
    openGaps: a.openGaps.map((g) => ({ fromSeq: countJson(g.fromSeq), toSeq: countJson(g.toSeq) })),
    lagP50Ms: a.lagP50Ms,
    lagP99Ms: a.lagP99Ms,
    lagMaxMs: a.lagMaxMs,
    recentLagP99Ms: a.recentLagP99Ms,
    lagWindowS: a.lagWindowS,
    lagAlertMs: a.lagAlertMs,
    lagging: a.lagging,
  };
}

/** The file `--from-json` reads back (every field written: a zero is an answer). */
export function annualDataJsonText(d: AnnualData): string {
  const json = {
    format: annualDataFormat,
    province: d.province,
    year: d.year,
    fetchedAt: d.fetchedAt,
    source: d.source,
    yearRates: ratesJson(d.yearRates),
    monthRates: d.monthRates.map(ratesJson),
    aggregation: d.aggregation === null ? null : aggregationJson(d.aggregation),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Writes a file the command was told to write; one that cannot be written is a usage error naming it. */
export async function writeOutput(file: string, flag: string, bytes: string | Uint8Array): Promise<void> {
  try {
    await writeFile(file, bytes);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
