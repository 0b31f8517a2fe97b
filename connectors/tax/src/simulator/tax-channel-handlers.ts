import type { z } from "zod";
import {
  type BlueForRed,
  type BlueRequest,
  type RedConfirmation,
  type RedConfirmationRequest,
  type RedRequest,
  type TaxAnswer,
  type TaxInvoice,
  type TaxLine,
  taxCodes,
  taxPaths,
} from "../protocol/tax-api.js";
import { canonicalJson } from "./canonical-json.js";
import {
  amountInWords,
  beijingTime,
  decimalsOf,
  formatYuan,
  invoiceNumber,
  roundToFen,
  sumYuan,
  yuan,
} from "./invoice-rules.js";
import type { SimulatorStore, StoredRequest, StoredSlip } from "./simulator-store.js";
import {
  blueForRedSchema,
  blueRequestSchema,
  queryBySerialSchema,
  redConfirmationSchema,
  redRequestSchema,
  schemaProblems,
} from "./tax-request-schemas.js";

// The channel's business rules (tax-api.ts, domain.md §3.2–3.4), one handler per path. A request
// is first checked on its own (shape, sums, line numbers): when that fails it is answered HTTP 400
// 1005 and leaves no trace, as a malformed one. Otherwise the handler decides against the store and
// the request's row, its outcome and what it produced are written in one transaction.

export interface ChannelContext {
  readonly store: SimulatorStore;
  /** The instant the request is handled, ms since the epoch. */
  readonly now: number;
  /** The 2-digit region of the invoice numbers. */
  readonly region: string;
  /** A new slip id, 32 lowercase hex digits. */
  readonly newSlipId: () => string;
}

export interface ChannelReply {
  readonly status: number;
  readonly answer: TaxAnswer<unknown>;
}

/** What a handler decided: the answer, and what it writes once the request's row exists. */
interface Outcome {
  readonly answer: TaxAnswer<unknown>;
  readonly effect?: (requestId: number) => void;
}

type Path = (typeof taxPaths)[keyof typeof taxPaths];

interface Route<S extends z.ZodType> {
  readonly schema: S;
  /** A problem of the request on its own, beyond its shape. */
  readonly check?: (request: z.infer<S>) => string | undefined;
  /** What the request is about, kept with its row. */
  readonly serial: (request: z.infer<S>) => string;
  readonly handle: (ctx: ChannelContext, request: z.infer<S>, stored: StoredRequest) => Outcome;
}

function route<S extends z.ZodType>(r: Route<S>): Route<z.ZodType> {
  return r as unknown as Route<z.ZodType>;
}

const routes: Readonly<Record<Path, Route<z.ZodType>>> = {
  [taxPaths.issueBlue]: route({
    schema: blueRequestSchema,
    check: blueProblem,
    serial: (r) => r.fpqqlsh,
    handle: issueBlue,
  }),
  [taxPaths.queryBySerial]: route({
    schema: queryBySerialSchema,
    serial: (r) => r.fpqqlsh,
    handle: (ctx, r) => {
      const found = ctx.store.invoiceBySerial(r.fpqqlsh);
      return found === undefined
        ? { answer: { code: taxCodes.notFound, msg: "no invoice for this serial" } }
        : { answer: ok(found.invoice) };
    },
  }),
  [taxPaths.blueForRed]: route({ schema: blueForRedSchema, serial: (r) => r.fphm, handle: blueForRed }),
  [taxPaths.redConfirmation]: route({
    schema: redConfirmationSchema,
    serial: (r) => r.hzqrdsqlsh,
    handle: applyForSlip,
  }),
  [taxPaths.issueRed]: route({ schema: redRequestSchema, serial: (r) => r.fpqqlsh, handle: issueRed }),
};

/** Whether `path` is one of the channel's. */
export function isChannelPath(path: string): path is Path {
  return Object.hasOwn(routes, path);
}

/** Handles one authenticated request's parsed JSON body on `path`. */
export function handleChannelRequest(ctx: ChannelContext, path: Path, body: unknown): ChannelReply {
  const r = routes[path];
  const parsed = r.schema.safeParse(body);
  if (!parsed.success) return malformed(schemaProblems(parsed.error));
  const problem = r.check?.(parsed.data);
  if (problem !== undefined) return malformed(problem);
  const stored: StoredRequest = { path, body: canonicalJson(parsed.data) };
  return ctx.store.transaction(() => {
    const outcome = r.handle(ctx, parsed.data, stored);
    const requestId = ctx.store.insertRequest({
      path,
      serial: r.serial(parsed.data),
      body: stored.body,
      code: outcome.answer.code,
      answer: JSON.stringify(outcome.answer),
      receivedAt: ctx.now,
    });
    outcome.effect?.(requestId);
    return { status: 200, answer: outcome.answer };
  });
}

function malformed(msg: string): ChannelReply {
  return { status: 400, answer: { code: taxCodes.malformed, msg } };
}

function ok<T>(data: T): TaxAnswer<T> {
  return { code: taxCodes.ok, msg: "成功", data };
}

function refusal(code: string, msg: string): Outcome {
  return { answer: { code, msg } };
}

/** A serial seen before: the same request is answered 2001 with what it produced, a different one 4004. */
function repeatOrConflict(prior: StoredRequest, now: StoredRequest, produced: unknown): Outcome {
  if (prior.path === now.path && prior.body === now.body) {
    return { answer: { code: taxCodes.duplicateSerial, msg: "流水号重复", data: produced } };
  }
  return refusal(taxCodes.serialConflict, "the serial was used before for a different request");
}

/** The blue request's own consistency: line numbers, sums, special elements. */
function blueProblem(r: BlueRequest): string | undefined {
  for (const [i, line] of r.hwxx.entries()) {
    if (line.xh !== i + 1) return `hwxx.${i}.xh: lines are numbered 1 to ${r.hwxx.length} in order`;
  }
  const je = sumYuan(r.hwxx.map((l) => l.je));
  const se = roundToFen(sumYuan(r.hwxx.map((l) => l.se)));
  if (yuan(r.hjje) !== je) return "hjje: not the sum of the lines' je";
  if (yuan(r.hjse) !== se) return "hjse: not the sum of the lines' se rounded to 2 decimals";
  if (yuan(r.jshj) !== je + se) return "jshj: not hjje + hjse";
  if (je + se <= 0n) return "jshj: must be more than zero";
  // 旅客运输服务 (09) carries its special elements; no other type does.
  if (r.tdyslxDm === "09" && r.lkysfwtdysList.length === 0) return "lkysfwtdysList: required when tdyslxDm is 09";
  if (r.tdyslxDm !== "09" && r.lkysfwtdysList.length > 0) return "lkysfwtdysList: only with tdyslxDm 09";
  return undefined;
}

/** The next invoice number: the sequence is taken in the request's transaction, so it is never reused. */
function nextInvoiceNumber(ctx: ChannelContext): string {
  return invoiceNumber(ctx.now, ctx.region, ctx.store.nextInvoiceSequence());
}

function issueBlue(ctx: ChannelContext, r: BlueRequest, stored: StoredRequest): Outcome {
  const prior = ctx.store.invoiceBySerial(r.fpqqlsh);
  if (prior !== undefined) return repeatOrConflict(prior.request, stored, prior.invoice);
  const invoice: TaxInvoice = {
    ...r,
    fphm: nextInvoiceNumber(ctx),
    kprq: beijingTime(ctx.now),
    sflzfp: "Y",
    kjhzfpdydlzfphm: "",
    jshjdx: amountInWords(yuan(r.jshj)),
    hzqrduuid: "",
  };
  return { answer: ok(invoice), effect: (id) => ctx.store.insertInvoice(invoice, id) };
}

/** A blue invoice by number; red ones are not "blue invoices for a reversal". */
function blueInvoice(ctx: ChannelContext, fphm: string): TaxInvoice | undefined {
  const found = ctx.store.invoiceByNumber(fphm);
  return found?.invoice.sflzfp === "Y" ? found.invoice : undefined;
}

function blueForRed(ctx: ChannelContext, r: { readonly fphm: string }): Outcome {
  const invoice = blueInvoice(ctx, r.fphm);
  if (invoice === undefined) return refusal(taxCodes.blueNotFound, "no blue invoice with this number");
  const reds = ctx.store.redInvoicesOf(invoice.fphm);
  const data: BlueForRed = {
    invoice,
    ychje: formatYuan(sumYuan(reds.map((i) => i.hjje))),
    ychse: formatYuan(sumYuan(reds.map((i) => i.hjse))),
  };
  return { answer: ok(data) };
}

/** What is left of a blue invoice to reverse: its totals less every slip applied for against it, used or not. */
function remainingOf(blue: TaxInvoice, slips: readonly StoredSlip[]): { je: bigint; se: bigint } {
  return {
    je: yuan(blue.hjje) + sumYuan(slips.map((s) => s.slip.hzcxje)),
    se: yuan(blue.hjse) + sumYuan(slips.map((s) => s.slip.hzcxse)),
  };
}

function applyForSlip(ctx: ChannelContext, r: RedConfirmationRequest, stored: StoredRequest): Outcome {
  const prior = ctx.store.slipBySerial(r.hzqrdsqlsh);
  if (prior !== undefined) return repeatOrConflict(prior.request, stored, prior.slip);
  const blue = blueInvoice(ctx, r.lzfphm);
  if (blue === undefined) return refusal(taxCodes.blueNotFound, "no blue invoice with this number");

  const sameText: readonly [keyof RedConfirmationRequest, string, string][] = [
    ["xsfnsrsbh", r.xsfnsrsbh, blue.xsfnsrsbh],
    ["lzkprq", r.lzkprq, blue.kprq],
    ["lzfppzDm", r.lzfppzDm, blue.fppzDm],
    ["lzfpTdyslxDm", r.lzfpTdyslxDm, blue.tdyslxDm],
  ];
  for (const [field, given, expected] of sameText) {
    if (given !== expected) return refusal(taxCodes.malformed, `${field}: does not match the blue invoice`);
  }
  if (yuan(r.lzhjje) !== yuan(blue.hjje)) return refusal(taxCodes.malformed, "lzhjje: does not match the blue invoice");
  if (yuan(r.lzhjse) !== yuan(blue.hjse)) return refusal(taxCodes.malformed, "lzhjse: does not match the blue invoice");

  const hzcxje = yuan(r.hzcxje);
  const hzcxse = yuan(r.hzcxse);
  if (hzcxje >= 0n) return refusal(taxCodes.malformed, "hzcxje: must be negative");
  const remaining = remainingOf(blue, ctx.store.slipsOf(blue.fphm));
  if (-hzcxje > remaining.je || -hzcxse > remaining.se) {
    return refusal(taxCodes.reversalExceedsBlue, "the reversal exceeds what is left of the blue invoice");
  }
  if (r.hzqrdmxList.length > 0) {
    const problem = partialProblem(blue.hwxx, r);
    if (problem !== undefined) return refusal(taxCodes.reversalLineMismatch, problem);
  } else if (-hzcxje !== remaining.je || -hzcxse !== remaining.se) {
    return refusal(taxCodes.reversalExceedsBlue, "a full reversal reverses exactly what is left of the blue invoice");
  }

  const slip: RedConfirmation = {
    hzqrdsqlsh: r.hzqrdsqlsh,
    hzqrduuid: ctx.newSlipId(),
    // 04 无需确认: the buyers of passenger tickets are individuals, who have no confirmation to
    // give (domain.md §3.4), so the slip is usable at once.
    hzqrdzt: "04",
    lzfphm: blue.fphm,
    hzcxje: formatYuan(hzcxje),
    hzcxse: formatYuan(hzcxse),
  };
  return { answer: ok(slip), effect: (id) => ctx.store.insertSlip(slip, r.hzqrdmxList, id) };
}

/** A partial reversal's lines against the blue lines: known, each once, within the line, adding up. */
function partialProblem(blueLines: readonly TaxLine[], r: RedConfirmationRequest): string | undefined {
  const byNumber = new Map(blueLines.map((l) => [l.xh, l]));
  const seen = new Set<number>();
  for (const [i, line] of r.hzqrdmxList.entries()) {
    const blue = byNumber.get(line.lzmxxh);
    if (blue === undefined) return `hzqrdmxList.${i}.lzmxxh: not a line of the blue invoice`;
    if (seen.has(line.lzmxxh)) return `hzqrdmxList.${i}.lzmxxh: the line is reversed twice`;
    seen.add(line.lzmxxh);
    if (-yuan(line.je) > yuan(blue.je)) return `hzqrdmxList.${i}.je: more than the blue line's je`;
  }
  if (sumYuan(r.hzqrdmxList.map((l) => l.je)) !== yuan(r.hzcxje)) return "hzcxje: not the sum of the lines' je";
  if (roundToFen(sumYuan(r.hzqrdmxList.map((l) => l.se))) !== yuan(r.hzcxse)) {
    return "hzcxse: not the sum of the lines' se rounded to 2 decimals";
  }
  return undefined;
}

/** A negated amount, keeping at least the decimals it had (se may have 6). */
function negated(text: string, micro: bigint): string {
  return formatYuan(-micro, Math.max(2, decimalsOf(text)));
}

/**
 * The red invoice's lines. Partial: one per slip line, named as the blue line. Full: every blue
 * line negated, less what earlier partial slips against the blue invoice took of it, so the lines
 * still add up to the slip after partial reversals.
 */
function redLines(blue: TaxInvoice, slip: StoredSlip, earlier: readonly StoredSlip[]): TaxLine[] {
  const byNumber = new Map(blue.hwxx.map((l) => [l.xh, l]));
  if (slip.lines.length > 0) {
    return slip.lines.map((l, i) => {
      const b = byNumber.get(l.lzmxxh);
      if (b === undefined) throw new Error("a slip line names no blue line");
      return { xh: i + 1, xmmc: b.xmmc, sphfwssflhbbm: b.sphfwssflhbbm, je: l.je, slv: b.slv, se: l.se };
    });
  }
  const taken = new Map<number, { je: bigint; se: bigint }>();
  for (const s of earlier) {
    for (const l of s.lines) {
      const t = taken.get(l.lzmxxh) ?? { je: 0n, se: 0n };
      taken.set(l.lzmxxh, { je: t.je + yuan(l.je), se: t.se + yuan(l.se) });
    }
  }
  const lines: TaxLine[] = [];
  for (const b of blue.hwxx) {
    const t = taken.get(b.xh) ?? { je: 0n, se: 0n };
    const je = yuan(b.je) + t.je;
    const se = yuan(b.se) + t.se;
    if (je === 0n && se === 0n) continue;
    lines.push({ ...b, xh: lines.length + 1, je: negated(b.je, je), se: negated(b.se, se) });
  }
  return lines;
}

function issueRed(ctx: ChannelContext, r: RedRequest, stored: StoredRequest): Outcome {
  const prior = ctx.store.invoiceBySerial(r.fpqqlsh);
  if (prior !== undefined) return repeatOrConflict(prior.request, stored, prior.invoice);
  const slip = ctx.store.slipById(r.hzqrduuid);
  if (slip === undefined || !["04", "05"].includes(slip.slip.hzqrdzt) || slip.redFphm !== null) {
    return refusal(taxCodes.slipNotConfirmed, "no confirmed, unused slip with this id");
  }
  const blue = blueInvoice(ctx, slip.slip.lzfphm);
  if (blue === undefined) throw new Error("a slip's blue invoice is missing");
  // slipsOf is in the order the slips were applied for: the ones before this slip took their part first.
  const slips = ctx.store.slipsOf(blue.fphm);
  const before = slips.slice(
    0,
    Math.max(
      0,
      slips.findIndex((s) => s.slip.hzqrduuid === slip.slip.hzqrduuid),
    ),
  );
  const hjje = yuan(slip.slip.hzcxje);
  const hjse = yuan(slip.slip.hzcxse);
  const fphm = nextInvoiceNumber(ctx);
  const invoice: TaxInvoice = {
    fpqqlsh: r.fpqqlsh,
    xsfnsrsbh: blue.xsfnsrsbh,
    xsfmc: blue.xsfmc,
    xfnsrlxdm: blue.xfnsrlxdm,
    gmfnsrsbh: blue.gmfnsrsbh,
    gmfmc: blue.gmfmc,
    fppzDm: blue.fppzDm,
    tdyslxDm: blue.tdyslxDm,
    kpr: blue.kpr,
    // As the platform prints a red invoice's remarks: which blue invoice and which slip.
    bz: `被红冲蓝字数电发票号码：${blue.fphm} 红字发票信息确认单编号：${slip.slip.hzqrduuid}`,
    hjje: formatYuan(hjje),
    hjse: formatYuan(hjse),
    jshj: formatYuan(hjje + hjse),
    hwxx: redLines(blue, slip, before),
    lkysfwtdysList: blue.lkysfwtdysList,
    dzkph: blue.dzkph,
    fphm,
    kprq: beijingTime(ctx.now),
    sflzfp: "N",
    kjhzfpdydlzfphm: blue.fphm,
    jshjdx: amountInWords(hjje + hjse),
    hzqrduuid: slip.slip.hzqrduuid,
  };
  return {
    answer: ok(invoice),
    effect: (id) => {
      ctx.store.insertInvoice(invoice, id);
      if (!ctx.store.markSlipUsed(slip.slip.hzqrduuid, fphm)) throw new Error("the slip was used meanwhile");
    },
  };
}
