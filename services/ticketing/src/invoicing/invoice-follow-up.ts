import type { HutongClient } from "@hutong/client";
import {
  InvoiceRequestState,
  InvoiceServiceService,
  Purpose,
  QueryInvoicesRequest,
  QueryInvoicesResponse,
} from "@hutong/proto";
import { startRepeatingTask } from "@hutong/service-kit";
import type { InvoiceStanding, ProvinceStore } from "../store/port/province-store.js";

// Putting invoice numbers onto tickets (domain.md §3.5: "store fphm on the ticket"): a request
// is answered PENDING when the connector queues it, so the province asks, through its gateway,
// where its requests without an invoice stand, a page at a time, the longest unasked first.

const page = 100;

export interface InvoiceFollowUpOptions {
  readonly store: Pick<ProvinceStore, "invoicesAwaiting" | "recordInvoiceStandings">;
  readonly client: () => HutongClient;
  /** The tax channel's party. */
  readonly party: string;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly onError?: (e: unknown) => void;
}

export interface InvoiceFollowUp {
  /** One page asked and recorded: how many requests got their invoice. */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

export function startInvoiceFollowUp(options: InvoiceFollowUpOptions): InvoiceFollowUp {
  const { store, now } = options;

  async function runOnce(): Promise<number> {
    const awaiting = await store.invoicesAwaiting(page);
    if (awaiting.length === 0) return 0;
    const request = QueryInvoicesRequest.encode({
      context: { targetParty: options.party, purpose: Purpose.PURPOSE_INVOICING, grantId: "", correlationId: "" },
      idempotencyKeys: awaiting.map((a) => a.key),
    }).finish();
    const reply = await options.client().session.call(InvoiceServiceService.queryInvoices.path, Buffer.from(request), {
      deadline: now() + 15_000,
    });
    const { outcomes } = QueryInvoicesResponse.decode(reply.body);
    const ticketOf = new Map(awaiting.map((a) => [a.key, a.ticketNo]));
    const standings: InvoiceStanding[] = [];
    for (const o of outcomes) {
      const ticketNo = ticketOf.get(o.idempotencyKey);
      if (ticketNo === undefined) continue;
      const state =
        o.state === InvoiceRequestState.INVOICE_REQUEST_STATE_ISSUED
          ? "issued"
          : o.state === InvoiceRequestState.INVOICE_REQUEST_STATE_FAILED
            ? "failed"
            : "requested";
      standings.push({ key: o.idempotencyKey, ticketNo, state, invoiceNo: state === "issued" ? o.invoiceNo : "" });
    }
    await store.recordInvoiceStandings(standings, now());
    return standings.filter((s) => s.state === "issued").length;
  }

  const task = startRepeatingTask(
    async () => (await runOnce()) === page,
    options.intervalMs,
    (e) => options.onError?.(e),
  );

  return {
    runOnce,
    close: () => task.close(),
  };
}
