import type { ConnectorCall, ConnectorHost } from "@hutong/gateway/ports";
import {
  type InvoiceOutcome,
  InvoiceRequestState,
  InvoiceServiceService,
  IssueInvoiceRequest,
  IssueInvoiceResponse,
  QueryInvoicesRequest,
  QueryInvoicesResponse,
  ReverseInvoiceRequest,
  ReverseInvoiceResponse,
} from "@hutong/proto";
import { forEachLimited } from "@hutong/service-kit";
import { Status, type StatusCode, WireError } from "@hutong/wire";
import type { TaxInvoice } from "../protocol/tax-api.js";
import { checkIssue, checkReverse } from "./check-requests.js";
import { blueRequestOf, invoiceOf, issuedOutcome } from "./invoice-mapping.js";
import { requestSerial } from "./request-serial.js";
import type { TaxChannelClient } from "./tax-channel-connector.js";
import type { InstructionSealer, TaxInstruction } from "./tax-instruction.js";

export interface InvoiceServiceOptions {
  /** The partner's party: the outbox destination. */
  readonly party: string;
  /** The connector's outbox topic. */
  readonly topic: string;
  readonly channel: TaxChannelClient;
  readonly sealer: InstructionSealer;
  readonly outbox: ConnectorHost["outbox"];
  readonly kick: () => void;
  /** Which seller tax ids each calling party may invoice as. */
  readonly sellers: ReadonlyMap<string, readonly string[]>;
}

/** Where a request stands, from the outbox first and then the channel. */
type Standing =
  | { readonly state: "issued"; readonly invoice: TaxInvoice }
  | { readonly state: "pending" }
  | { readonly state: "failed"; readonly reason: string }
  | { readonly state: "absent" }
  | { readonly state: "unknown" };

const refuse = (code: StatusCode, message: string): never => {
  throw new WireError(code, message);
};

function decode<T>(fns: { decode(b: Uint8Array): T }, body: Uint8Array, what: string): T {
  try {
    return fns.decode(body);
  } catch {
    return refuse(Status.INVALID_ARGUMENT, `${what} is not valid protobuf`);
  }
}

const bytes = (w: { finish(): Uint8Array }) => w.finish();

/**
 * InvoiceService as the tax connector answers it (docs/connectors.md §2). Issue and reverse are
 * accepted into the gateway's outbox and answered PENDING, or answered from the channel when the
 * request already took effect; asking again with the same key is how a caller learns the result,
 * and never issues twice: the key becomes the channel's request serial.
 */
export function invoiceService(options: InvoiceServiceOptions) {
  const { party, topic, channel, sealer, outbox } = options;

  async function standing(serial: string): Promise<Standing> {
    const queued = await outbox.find(topic, party, serial);
    if (queued !== undefined && queued.state !== "dead") return { state: "pending" };
    // A dead letter may have taken effect all the same (its answer lost, then refused on a resend):
    // the channel says.
    const found = await channel.invoiceBySerial(serial, AbortSignal.timeout(5000));
    if (queued !== undefined) {
      return found.said === "applied" && found.invoice !== undefined
        ? { state: "issued", invoice: found.invoice }
        : { state: "failed", reason: queued.lastError ?? "dead letter" };
    }
    if (found.said === "applied" && found.invoice !== undefined) return { state: "issued", invoice: found.invoice };
    return { state: found.said === "absent" ? "absent" : "unknown" };
  }

  async function accept(serial: string, orderingKey: string, instruction: TaxInstruction): Promise<Standing> {
    const now = await standing(serial);
    if (now.state !== "absent" && now.state !== "unknown") return now;
    // Not in the outbox, and the channel has no invoice for it (or cannot say): queue it. Should it
    // have taken effect after all, the channel knows the serial and the delivery finds it there.
    await outbox.enqueue([
      { topic, destination: party, idempotencyKey: serial, orderingKey, payload: sealer.seal(instruction, serial) },
    ]);
    options.kick();
    return { state: "pending" };
  }

  const sellersOf = (origin: string) => options.sellers.get(origin) ?? [];

  async function issue(body: Uint8Array, call: ConnectorCall): Promise<Uint8Array> {
    const req = decode(IssueInvoiceRequest, body, "IssueInvoiceRequest");
    const problem = checkIssue(req);
    if (problem !== undefined) refuse(Status.INVALID_ARGUMENT, problem);
    const draft = req.draft as NonNullable<typeof req.draft>;
    if (!sellersOf(call.origin).includes(draft.sellerTaxId)) {
      refuse(Status.PERMISSION_DENIED, `${call.origin} may not invoice as this seller`);
    }
    const serial = requestSerial("invoice", call.origin, req.idempotencyKey);
    const s = await accept(serial, `${call.origin} ${draft.ticketNo}`, {
      t: "blue",
      request: blueRequestOf(draft, serial),
    });
    // One key space for both methods: a key already used for a reversal is not a blue invoice's.
    if (s.state === "issued" && s.invoice.sflzfp !== "Y") refuse(Status.ALREADY_EXISTS, "this key names a reversal");
    return bytes(
      IssueInvoiceResponse.encode({
        state: stateOf(s),
        invoice: s.state === "issued" ? invoiceOf(s.invoice) : undefined,
        requestSerial: serial,
        failureReason: s.state === "failed" ? s.reason : "",
      }),
    );
  }

  async function reverse(body: Uint8Array, call: ConnectorCall): Promise<Uint8Array> {
    const req = decode(ReverseInvoiceRequest, body, "ReverseInvoiceRequest");
    const problem = checkReverse(req);
    if (problem !== undefined) refuse(Status.INVALID_ARGUMENT, problem);
    const sellers = sellersOf(call.origin);
    if (sellers.length === 0) refuse(Status.PERMISSION_DENIED, `${call.origin} may not invoice as any seller`);
    const serial = requestSerial("invoice", call.origin, req.idempotencyKey);
    const full = req.reversalAmount === "";
    const s = await accept(serial, `${call.origin} ${req.ticketNo}`, {
      t: "red",
      fpqqlsh: serial,
      slipSerial: requestSerial("slip", call.origin, req.idempotencyKey),
      sellers,
      blue:
        req.blueIdempotencyKey !== ""
          ? { serial: requestSerial("invoice", call.origin, req.blueIdempotencyKey) }
          : { fphm: req.blueInvoiceNo },
      chyyDm: String(req.reason).padStart(2, "0"),
      ...(full ? {} : { amount: { hzcxje: req.reversalAmount, hzcxse: req.reversalTax } }),
      lines: req.lines.map((l) => ({ lzmxxh: l.blueLineNo, je: l.amount, se: l.taxAmount })),
    });
    if (s.state === "issued" && s.invoice.sflzfp === "Y")
      refuse(Status.ALREADY_EXISTS, "this key names a blue invoice");
    return bytes(
      ReverseInvoiceResponse.encode({
        state: stateOf(s),
        confirmationId: s.state === "issued" ? s.invoice.hzqrduuid : "",
        redInvoice: s.state === "issued" ? invoiceOf(s.invoice) : undefined,
        failureReason: s.state === "failed" ? s.reason : "",
      }),
    );
  }

  async function query(body: Uint8Array, call: ConnectorCall): Promise<Uint8Array> {
    const req = decode(QueryInvoicesRequest, body, "QueryInvoicesRequest");
    if (req.idempotencyKeys.length === 0 || req.idempotencyKeys.length > 100) {
      refuse(Status.INVALID_ARGUMENT, "idempotency_keys: 1..100 keys");
    }
    const outcomes: InvoiceOutcome[] = new Array(req.idempotencyKeys.length);
    // A few at a time: each may be a call to the channel.
    await forEachLimited(req.idempotencyKeys, 8, async (key, i) => {
      const serial = requestSerial("invoice", call.origin, key);
      const s = await standing(serial);
      outcomes[i] =
        s.state === "issued"
          ? issuedOutcome(key, s.invoice)
          : {
              idempotencyKey: key,
              state: stateOf(s),
              invoiceNo: "",
              issuedAt: undefined,
              blue: false,
              reversedInvoiceNo: "",
              totalWithTax: "",
              confirmationId: "",
              requestSerial: serial,
              failureReason:
                s.state === "failed" ? s.reason : s.state === "unknown" ? "the channel did not answer" : "",
            };
    });
    return bytes(QueryInvoicesResponse.encode({ outcomes }));
  }

  const methods = new Map<string, (body: Uint8Array, call: ConnectorCall) => Promise<Uint8Array>>([
    [InvoiceServiceService.issueInvoice.path, issue],
    [InvoiceServiceService.reverseInvoice.path, reverse],
    [InvoiceServiceService.queryInvoices.path, query],
  ]);
  return async (path: string, body: Uint8Array, call: ConnectorCall): Promise<Uint8Array> => {
    const method = methods.get(path);
    if (method === undefined) return refuse(Status.UNIMPLEMENTED, `the tax connector does not serve ${path}`);
    return method(body, call);
  };
}

function stateOf(s: Standing): InvoiceRequestState {
  switch (s.state) {
    case "issued":
      return InvoiceRequestState.INVOICE_REQUEST_STATE_ISSUED;
    case "failed":
      return InvoiceRequestState.INVOICE_REQUEST_STATE_FAILED;
    case "absent":
      return InvoiceRequestState.INVOICE_REQUEST_STATE_UNSPECIFIED;
    default:
      return InvoiceRequestState.INVOICE_REQUEST_STATE_PENDING;
  }
}
