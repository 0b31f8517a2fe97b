import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import { EventOutcome, type EventResult, Ticket, type TicketEvent, TicketEventKind } from "@hutong/proto";
import { beijingDay } from "@hutong/service-kit";
import { eventMessages, type SaleFacts } from "../emission/event-messages.js";
import type { EventRouter } from "../emission/event-routes.js";
import { invoiceRoleOf } from "../invoicing/invoice-messages.js";
import { type LifecycleState, nextState } from "../lifecycle/next-state.js";
import { ticketLifecycle } from "../ticket-lifecycle.js";
import { isTicketingError, TicketingError, ticketingStatus } from "../ticketing-error.js";
import { checkEvent, type EventScope } from "./check-event.js";

// The decision of one station upload (docs/tickets.md §2), with no I/O: a store reads the facts it
// names (uploadReads), calls planUpload, and writes the plan in the same transaction. Both stores
// (SQLite, PostgreSQL) apply the same plan, so the cursor, duplicates, the lifecycle, refusals and
// emissions are decided in one place.

/** A ticket as the province holds it before the batch. */
export interface StoredTicket {
  readonly version: number;
  readonly state: LifecycleState;
  /** The whole ticket, opened. */
  readonly record: Ticket;
  readonly sale: SaleFacts;
}

/** What the store holds that the batch's decision depends on (read in the transaction that applies it). */
export interface UploadFacts {
  /** The source's cursor: every sequence number up to it is taken (0 before its first). */
  readonly cursor: bigint;
  /** The province's last owner sequence number (0 before its first event). */
  readonly lastSeq: bigint;
  /** The idempotency key taken at each sequence number ≤ cursor that the batch repeats. */
  readonly takenKeys: ReadonlyMap<bigint, string>;
  /** Those of the batch's idempotency keys already applied (in the event log). */
  readonly appliedKeys: ReadonlySet<string>;
  /** Every ticket the batch names that the province holds. */
  readonly tickets: ReadonlyMap<string, StoredTicket>;
}

/** What the store must read for `events` once it knows the source's cursor (uploadReads). */
export interface UploadReads {
  /** Sequence numbers ≤ cursor the batch repeats: their taken idempotency keys. */
  readonly repeatedSeqs: readonly bigint[];
  /** Idempotency keys of the batch's new events: which are in the event log. */
  readonly keys: readonly string[];
  /** Ticket numbers of the batch's new events: their stored tickets. */
  readonly ticketNos: readonly string[];
}

/** Who decides: the province's party and scope, and its event route table. */
export interface UploadContext {
  readonly party: string;
  readonly scope: EventScope;
  readonly router: EventRouter;
  /** The invoice requests an applied event calls for, when the province invoices (invoicing/). */
  readonly invoices?: InvoicePlanner | undefined;
}

/** The invoice requests of an applied event, as outbox messages (invoicing/invoice-messages.ts). */
export type InvoicePlanner = (event: TicketEvent, ticket: Ticket) => OutboxMessageInput[];

/** The context of a province's uploads, from what its store is opened with. */
export function uploadContext(options: {
  readonly party: string;
  readonly province: string;
  readonly stations: readonly { readonly code: string }[];
  readonly router: EventRouter;
  readonly invoices?: InvoicePlanner | undefined;
}): UploadContext {
  const stationCodes = new Set(options.stations.map((s) => s.code));
  return {
    party: options.party,
    scope: { province: options.province, isStation: (code) => stationCodes.has(code) },
    router: options.router,
    invoices: options.invoices,
  };
}

/** A ticket to write: inserted when the province did not hold it before the batch, else updated. */
export interface TicketWrite {
  readonly insert: boolean;
  readonly ticketNo: string;
  readonly version: number;
  readonly saleStatus: number;
  readonly checkStatus: number;
  readonly sale: SaleFacts;
  readonly fareFen: bigint;
  /** The ticket as the batch leaves it: the store seals it. */
  readonly record: Ticket;
}

/** One applied event in the province's event log, numbered in the owner sequence. */
export interface EventLogRow {
  readonly seq: bigint;
  readonly idempotencyKey: string;
  readonly source: string;
  readonly sourceSeq: bigint;
  readonly ticketNo: string;
  readonly kind: number;
  readonly occurredMs: number;
  readonly day: string;
  readonly version: number;
  readonly saleStatus: number;
  readonly checkStatus: number;
  readonly sale: SaleFacts;
  readonly appliedMs: number;
}

/** Every event a source sent past its cursor, whatever became of it. */
export interface SourceEventRow {
  readonly sourceSeq: bigint;
  readonly idempotencyKey: string;
  readonly outcome: EventOutcome;
  readonly code: string;
  readonly reason: string;
  readonly atMs: number;
}

export interface EmissionRow {
  readonly seq: bigint;
  readonly destination: string;
  /** "invoice-blue", "invoice-red", "invoice-fee": a request to the tax channel (the key's role). */
  readonly form: "event" | "statistics" | `invoice-${string}`;
}

/** The decided batch: the answer, and every write that makes it true. */
export interface UploadPlan {
  readonly source: string;
  /** The source's cursor after the batch (written back). */
  readonly ackedSeq: bigint;
  readonly results: readonly EventResult[];
  /** The province's last owner sequence number after the batch. */
  readonly lastSeq: bigint;
  /** One per ticket the batch changed, in the order first touched, in the state the batch leaves it. */
  readonly tickets: readonly TicketWrite[];
  readonly events: readonly EventLogRow[];
  readonly sourceEvents: readonly SourceEventRow[];
  readonly emissions: readonly EmissionRow[];
  readonly messages: readonly OutboxMessageInput[];
}

/** What to read for `events` given the source's `cursor`. Pure. */
export function uploadReads(events: readonly TicketEvent[], cursor: bigint): UploadReads {
  const repeatedSeqs: bigint[] = [];
  const keys = new Set<string>();
  const ticketNos = new Set<string>();
  for (const e of events) {
    if (e.sourceSeq <= cursor) {
      repeatedSeqs.push(e.sourceSeq);
      continue;
    }
    keys.add(e.idempotencyKey);
    const ticketNo = e.ticket?.ticketNo ?? "";
    if (ticketNo !== "") ticketNos.add(ticketNo);
  }
  return { repeatedSeqs, keys: [...keys], ticketNos: [...ticketNos] };
}

/**
 * Decides one station batch (checked by checkBatch first) against the store's `facts`. Throws
 * TicketingError sequence-gap (the batch starts after cursor + 1) or sequence-conflict (a sequence
 * number taken by another event), and then nothing of the batch is to be written. Otherwise each
 * event is a duplicate (its sequence number up to the cursor with the same key, or its key applied
 * before, in the store or earlier in this batch), applied (the lifecycle allows it: the ticket
 * written, the event logged with the next owner sequence number, its emissions and outbox
 * messages), or refused with its status name and reason. Events of one batch may touch one ticket
 * several times: each sees the state the ones before it left. Pure.
 */
export function planUpload(
  context: UploadContext,
  source: string,
  events: readonly TicketEvent[],
  nowMs: number,
  facts: UploadFacts,
): UploadPlan {
  const { cursor } = facts;
  const first = events[0]?.sourceSeq ?? 0n;
  if (first > cursor + 1n) {
    throw new TicketingError(
      "sequence-gap",
      `${source} sent ${first} but the province has taken up to ${cursor}: resend from ${cursor + 1n}`,
    );
  }
  const results: EventResult[] = [];
  const sourceEvents: SourceEventRow[] = [];
  const logged: EventLogRow[] = [];
  const emissions: EmissionRow[] = [];
  const messages: OutboxMessageInput[] = [];
  /** The batch's view of its tickets: the stored ones as the events before left them, and new ones. */
  const tickets = new Map<string, TicketWrite>();
  const appliedHere = new Set<string>();
  let lastSeq = facts.lastSeq;

  for (const event of events) {
    const seq = event.sourceSeq;
    if (seq <= cursor) {
      if (facts.takenKeys.get(seq) !== event.idempotencyKey) {
        throw new TicketingError("sequence-conflict", `${source} used sequence ${seq} for another event before`);
      }
      results.push({ sourceSeq: seq, outcome: EventOutcome.EVENT_OUTCOME_DUPLICATE, code: "", reason: "" });
      continue;
    }
    let outcome = EventOutcome.EVENT_OUTCOME_APPLIED;
    let code = "";
    let reason = "";
    try {
      checkEvent(context.scope, source, event);
      if (facts.appliedKeys.has(event.idempotencyKey) || appliedHere.has(event.idempotencyKey)) {
        outcome = EventOutcome.EVENT_OUTCOME_DUPLICATE;
      } else {
        // Everything of the event is decided before any of it is kept: a refusal leaves no trace.
        const ownerSeq = lastSeq + 1n;
        const step = applyEvent(context, source, event, nowMs, ownerSeq, tickets, facts.tickets);
        tickets.set(step.ticket.ticketNo, step.ticket);
        logged.push(step.log);
        emissions.push(...step.emissions);
        messages.push(...step.messages);
        appliedHere.add(event.idempotencyKey);
        lastSeq = ownerSeq;
      }
    } catch (e) {
      if (!isTicketingError(e)) throw e;
      outcome = EventOutcome.EVENT_OUTCOME_REFUSED;
      code = ticketingStatus[e.code];
      reason = e.message;
    }
    sourceEvents.push({ sourceSeq: seq, idempotencyKey: event.idempotencyKey, outcome, code, reason, atMs: nowMs });
    results.push({ sourceSeq: seq, outcome, code, reason });
  }
  // The cursor moves to the batch's last sequence number, never back (bigints: no Math.max).
  let ackedSeq = cursor;
  const last = events[events.length - 1]?.sourceSeq ?? cursor;
  if (last > ackedSeq) ackedSeq = last;
  return {
    source,
    ackedSeq,
    results,
    lastSeq,
    tickets: [...tickets.values()],
    events: logged,
    sourceEvents,
    emissions,
    messages,
  };
}

/** One checked event applied to its ticket as the batch holds it; throws TicketingError (invalid-transition). */
function applyEvent(
  context: UploadContext,
  source: string,
  event: TicketEvent,
  nowMs: number,
  seq: bigint,
  batch: ReadonlyMap<string, TicketWrite>,
  stored: ReadonlyMap<string, StoredTicket>,
): { ticket: TicketWrite; log: EventLogRow; emissions: EmissionRow[]; messages: OutboxMessageInput[] } {
  const given = event.ticket as Ticket;
  const inBatch = batch.get(given.ticketNo);
  const held = stored.get(given.ticketNo);
  const current:
    | { version: number; record: Ticket; sale: SaleFacts; state: LifecycleState; insert: boolean }
    | undefined =
    inBatch !== undefined
      ? {
          version: inBatch.version,
          record: inBatch.record,
          sale: inBatch.sale,
          state: { saleStatus: inBatch.saleStatus, checkStatus: inBatch.checkStatus },
          insert: inBatch.insert,
        }
      : held !== undefined
        ? { ...held, insert: false }
        : undefined;
  const next = nextState(ticketLifecycle, event.kind, current?.state);
  const at = event.occurredAt as Date;
  let ticket: TicketWrite;
  if (current === undefined) {
    const record = Ticket.fromPartial({
      ...given,
      saleStatus: next.saleStatus as number,
      checkStatus: next.checkStatus as number,
      soldAt: at,
      statusUpdatedAt: at,
    });
    ticket = {
      insert: true,
      ticketNo: record.ticketNo,
      version: 1,
      saleStatus: record.saleStatus,
      checkStatus: record.checkStatus,
      sale: {
        saleStation: event.station?.code ?? "",
        saleDay: beijingDay(at.getTime()),
        routeCode: record.routeCode,
        medium: record.medium,
      },
      fareFen: record.fareFen,
      record,
    };
  } else {
    // The sale defines the ticket; later events move only its lifecycle.
    const record: Ticket = {
      ...current.record,
      saleStatus: next.saleStatus as number,
      checkStatus: next.checkStatus as number,
      statusUpdatedAt: at,
      ...(event.kind === TicketEventKind.TICKET_EVENT_KIND_CHECK ? { checkedAt: at } : {}),
    };
    ticket = {
      insert: current.insert,
      ticketNo: record.ticketNo,
      version: current.version + 1,
      saleStatus: record.saleStatus,
      checkStatus: record.checkStatus,
      sale: current.sale,
      fareFen: record.fareFen,
      record,
    };
  }
  const log: EventLogRow = {
    seq,
    idempotencyKey: event.idempotencyKey,
    source,
    sourceSeq: event.sourceSeq,
    ticketNo: ticket.ticketNo,
    kind: event.kind,
    occurredMs: at.getTime(),
    day: beijingDay(at.getTime()),
    version: ticket.version,
    saleStatus: ticket.saleStatus,
    checkStatus: ticket.checkStatus,
    sale: ticket.sale,
    appliedMs: nowMs,
  };
  const routed = context.router.route(event.kind, ticket.record);
  const messages = eventMessages(
    { owner: context.party, seq, version: ticket.version, event, record: ticket.record, sale: ticket.sale },
    routed,
  );
  const invoices = context.invoices?.(event, ticket.record) ?? [];
  return {
    ticket,
    log,
    emissions: [
      ...routed.map((e): EmissionRow => ({ seq, destination: e.destination, form: e.form })),
      ...invoices.map(
        (m): EmissionRow => ({
          seq,
          destination: m.destination,
          form: `invoice-${invoiceRoleOf(m.idempotencyKey)}`,
        }),
      ),
    ],
    messages: [...messages, ...invoices],
  };
}
