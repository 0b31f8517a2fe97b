import type { Connector, DeliveryContext, DeliveryResult, OutboxMessage, PartnerLookup } from "@hutong/gateway/ports";
import {
  type BlueForRed,
  type RedConfirmation,
  type TaxAnswer,
  type TaxInvoice,
  taxCodes,
  taxPaths,
} from "../protocol/tax-api.js";
import { postSigned, type TaxChannel } from "../protocol/tax-client.js";
import { formatYuan, parseYuan } from "./money.js";
import type { InstructionSealer, TaxInstruction } from "./tax-instruction.js";

/** One call's result, reduced to what the connector decides on. */
type Step<T> =
  | { readonly kind: "ok"; readonly data: T; readonly duplicate: boolean }
  | { readonly kind: "refused"; readonly code: string; readonly msg: string }
  | { readonly kind: "no-answer"; readonly reason: string };

/** Refusals that no retry can change: a dead letter for an operator (wrong keys, a malformed request). */
const finalCodes = new Set<string>([
  taxCodes.unknownAppKey,
  taxCodes.badSignature,
  taxCodes.malformed,
  taxCodes.serialConflict,
  taxCodes.reversalExceedsBlue,
  taxCodes.reversalLineMismatch,
]);

export interface TaxChannelConnectorOptions {
  readonly party: string;
  readonly channel: TaxChannel;
  readonly sealer: InstructionSealer;
  /** One HTTP call's limit, within the delivery's own deadline. */
  readonly requestTimeoutMs: number;
}

/** The channel's answer to a serial-keyed request, or what stands for none. */
export interface TaxChannelClient {
  /** The invoice a serial produced: `applied` with it, `absent`, or `unknown` (no usable answer). */
  invoiceBySerial(
    serial: string,
    signal?: AbortSignal,
  ): Promise<{ readonly said: PartnerLookup; readonly invoice?: TaxInvoice }>;
}

/**
 * The tax channel as an outbox destination (the Connector port): a blue invoice is one call; a
 * reversal is the real flow, each step idempotent at the channel by its own serial: the blue
 * invoice queried (申请红字前查蓝票信息), the red-letter confirmation slip applied for, the red
 * invoice issued on it. An answer is believed only when it names this request's serial: a stale or
 * crossed answer (a proxy's duplicate, answers reordered) is a retry, and the retry asks first.
 */
export function createTaxChannelConnector(options: TaxChannelConnectorOptions): Connector & TaxChannelClient {
  const { channel, sealer } = options;

  async function step<T>(path: string, body: unknown, signal: AbortSignal | undefined): Promise<Step<T>> {
    const limit = AbortSignal.timeout(options.requestTimeoutMs);
    try {
      const reply = await postSigned<T>(channel, path, body, {
        signal: signal === undefined ? limit : AbortSignal.any([signal, limit]),
      });
      const answer: TaxAnswer<T> | undefined = reply.answer;
      if (answer === undefined) return { kind: "no-answer", reason: `HTTP ${reply.status}` };
      if ((answer.code === taxCodes.ok || answer.code === taxCodes.duplicateSerial) && answer.data !== undefined) {
        return { kind: "ok", data: answer.data, duplicate: answer.code === taxCodes.duplicateSerial };
      }
      return { kind: "refused", code: answer.code, msg: answer.msg.slice(0, 120) };
    } catch (e) {
      return { kind: "no-answer", reason: (e as Error).name === "TimeoutError" ? "timeout" : "unreachable" };
    }
  }

  const failed = (s: Exclude<Step<unknown>, { kind: "ok" }>, what: string): DeliveryResult => {
    if (s.kind === "no-answer") return { kind: "retry", reason: `${what}: ${s.reason}` };
    // The channel's own words may repeat a field's value (a name, an ID number): its code only.
    const reason = `${what}: code ${s.code}`;
    return finalCodes.has(s.code) ? { kind: "reject", reason } : { kind: "retry", reason };
  };
  /** An answer that is not about the request sent: not believed. */
  const stray = (what: string): DeliveryResult => ({ kind: "retry", reason: `${what}: answer for another request` });

  async function invoiceBySerial(serial: string, signal?: AbortSignal) {
    const s = await step<TaxInvoice>(taxPaths.queryBySerial, { fpqqlsh: serial }, signal);
    if (s.kind === "ok") {
      return s.data.fpqqlsh === serial ? { said: "applied" as const, invoice: s.data } : { said: "unknown" as const };
    }
    if (s.kind === "refused" && s.code === taxCodes.notFound) return { said: "absent" as const };
    return { said: "unknown" as const };
  }

  async function deliverBlue(i: Extract<TaxInstruction, { t: "blue" }>, signal: AbortSignal): Promise<DeliveryResult> {
    const s = await step<TaxInvoice>(taxPaths.issueBlue, i.request, signal);
    if (s.kind !== "ok") return failed(s, "blue");
    return s.data.fpqqlsh === i.request.fpqqlsh ? { kind: "delivered" } : stray("blue");
  }

  async function deliverRed(i: Extract<TaxInstruction, { t: "red" }>, signal: AbortSignal): Promise<DeliveryResult> {
    // First whether this very reversal exists already: a request queued again, replayed, or sent
    // again after a lease ran out must not find "nothing left" and die while its red invoice is issued.
    const done = await invoiceBySerial(i.fpqqlsh, signal);
    if (done.said === "applied") return { kind: "delivered" };
    if (done.said === "unknown") return { kind: "retry", reason: "red: the channel cannot say whether it is issued" };
    let fphm: string;
    if ("serial" in i.blue) {
      const found = await invoiceBySerial(i.blue.serial, signal);
      if (found.said === "absent") return { kind: "retry", reason: "red: blue invoice not issued yet" };
      if (found.invoice === undefined) return { kind: "retry", reason: "red: blue invoice unknown" };
      fphm = found.invoice.fphm;
    } else {
      fphm = i.blue.fphm;
    }
    const blue = await step<BlueForRed>(taxPaths.blueForRed, { fphm }, signal);
    if (blue.kind !== "ok") return failed(blue, "red: blue invoice");
    const b = blue.data.invoice;
    if (b.fphm !== fphm) return stray("red: blue invoice");
    if (!i.sellers.includes(b.xsfnsrsbh))
      return { kind: "reject", reason: "red: the blue invoice is another seller's" };
    const remaining = {
      je: (parseYuan(b.hjje) ?? 0n) + (parseYuan(blue.data.ychje) ?? 0n),
      se: (parseYuan(b.hjse) ?? 0n) + (parseYuan(blue.data.ychse) ?? 0n),
    };
    const amount = i.amount ?? { hzcxje: formatYuan(-remaining.je), hzcxse: formatYuan(-remaining.se) };
    if (i.amount === undefined && remaining.je === 0n) {
      return { kind: "reject", reason: "red: nothing of the blue invoice is left to reverse" };
    }
    const slip = await step<RedConfirmation>(
      taxPaths.redConfirmation,
      {
        hzqrdsqlsh: i.slipSerial,
        xsfnsrsbh: b.xsfnsrsbh,
        lzfphm: b.fphm,
        lzkprq: b.kprq,
        lzhjje: b.hjje,
        lzhjse: b.hjse,
        lzfppzDm: b.fppzDm,
        lzfpTdyslxDm: b.tdyslxDm,
        hzcxje: amount.hzcxje,
        hzcxse: amount.hzcxse,
        chyyDm: i.chyyDm,
        hzqrdmxList: i.lines,
      },
      signal,
    );
    if (slip.kind !== "ok") return failed(slip, "red: confirmation slip");
    if (slip.data.hzqrdsqlsh !== i.slipSerial) return stray("red: confirmation slip");
    const red = await step<TaxInvoice>(
      taxPaths.issueRed,
      { fpqqlsh: i.fpqqlsh, hzqrduuid: slip.data.hzqrduuid },
      signal,
    );
    if (red.kind !== "ok") return failed(red, "red");
    return red.data.fpqqlsh === i.fpqqlsh ? { kind: "delivered" } : stray("red");
  }

  return {
    party: options.party,
    invoiceBySerial,
    async deliver(message: OutboxMessage, context: DeliveryContext): Promise<DeliveryResult> {
      let instruction: TaxInstruction;
      try {
        instruction = sealer.open(message.payload, message.idempotencyKey);
      } catch {
        return { kind: "reject", reason: "the stored instruction does not open under this connector's key" };
      }
      return instruction.t === "blue"
        ? deliverBlue(instruction, context.signal)
        : deliverRed(instruction, context.signal);
    },
    async lookup(message: OutboxMessage, context: DeliveryContext): Promise<PartnerLookup> {
      return (await invoiceBySerial(message.idempotencyKey, context.signal)).said;
    },
  };
}
