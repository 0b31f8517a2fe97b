// The ticket lifecycle as the contract declares it, checked against domain.md §1.5 written out
// independently here (the rules as a person states them, not the table again), then over every
// state and random event sequences.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CheckStatus, SaleStatus, TicketEventKind } from "@hutong/proto";
import fc from "fast-check";
import { ticketLifecycle } from "../ticket-lifecycle.js";
import { isTicketingError } from "../ticketing-error.js";
import { type LifecycleState, nextState, stateOf } from "./next-state.js";

const K = TicketEventKind;
const state = (sale: SaleStatus, check: CheckStatus): LifecycleState => ({ saleStatus: sale, checkStatus: check });
const apply = (kind: TicketEventKind, current: LifecycleState | undefined) => nextState(ticketLifecycle, kind, current);

/** The reason of the refusal, or "applied". */
function outcome(kind: TicketEventKind, current: LifecycleState | undefined): string {
  try {
    apply(kind, current);
    return "applied";
  } catch (e) {
    assert.ok(isTicketingError(e), `not a TicketingError: ${String(e)}`);
    return e.message;
  }
}

/** §1.5 in words: which (sale, check) states each kind applies in, and what it leaves. */
const valid = new Set([SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN]);
const notBoarded = new Set([CheckStatus.CHECK_STATUS_UNCHECKED, CheckStatus.CHECK_STATUS_REVOKED]);
function oracle(kind: TicketEventKind, s: LifecycleState | undefined): LifecycleState | undefined {
  if (kind === K.TICKET_EVENT_KIND_SALE || kind === K.TICKET_EVENT_KIND_CHANGE_IN) {
    if (s !== undefined) return undefined;
    const sale = kind === K.TICKET_EVENT_KIND_SALE ? SaleStatus.SALE_STATUS_SOLD : SaleStatus.SALE_STATUS_CHANGED_IN;
    return state(sale, CheckStatus.CHECK_STATUS_UNCHECKED);
  }
  if (s === undefined || !valid.has(s.saleStatus as SaleStatus)) return undefined;
  const check = s.checkStatus as CheckStatus;
  switch (kind) {
    case K.TICKET_EVENT_KIND_REFUND:
      return notBoarded.has(check) ? { ...s, saleStatus: SaleStatus.SALE_STATUS_REFUNDED } : undefined;
    case K.TICKET_EVENT_KIND_CHANGE_OUT:
      return notBoarded.has(check) ? { ...s, saleStatus: SaleStatus.SALE_STATUS_CHANGED_OUT } : undefined;
    case K.TICKET_EVENT_KIND_CHECK:
      return notBoarded.has(check) ? { ...s, checkStatus: CheckStatus.CHECK_STATUS_CHECKED } : undefined;
    case K.TICKET_EVENT_KIND_NO_SHOW:
      return notBoarded.has(check) ? { ...s, checkStatus: CheckStatus.CHECK_STATUS_NO_SHOW } : undefined;
    case K.TICKET_EVENT_KIND_VOID:
      return check === CheckStatus.CHECK_STATUS_UNCHECKED
        ? { ...s, saleStatus: SaleStatus.SALE_STATUS_VOID }
        : undefined;
    case K.TICKET_EVENT_KIND_CHECK_REVOKED:
      return check === CheckStatus.CHECK_STATUS_CHECKED
        ? { ...s, checkStatus: CheckStatus.CHECK_STATUS_REVOKED }
        : undefined;
    default:
      return undefined;
  }
}

const kinds = Object.values(K).filter((k): k is TicketEventKind => typeof k === "number" && k > 0);
const sales = Object.values(SaleStatus).filter((v): v is SaleStatus => typeof v === "number" && v > 0);
const checks = Object.values(CheckStatus).filter((v): v is CheckStatus => typeof v === "number" && v > 0);

describe("the ticket lifecycle (contract table, domain.md §1.5)", () => {
  it("has a transition for every event kind of the contract", () => {
    assert.deepEqual([...ticketLifecycle.kinds.keys()].sort(), [...kinds].sort());
    assert.equal(ticketLifecycle.record, "ticket");
  });

  it("agrees with §1.5 written out, for every kind in every state and before the ticket exists", () => {
    const states: (LifecycleState | undefined)[] = [undefined];
    for (const s of sales) for (const c of checks) states.push(state(s, c));
    let applied = 0;
    for (const kind of kinds) {
      for (const s of states) {
        const want = oracle(kind, s);
        if (want === undefined) assert.notEqual(outcome(kind, s), "applied", `${K[kind]} from ${JSON.stringify(s)}`);
        else {
          assert.deepEqual(apply(kind, s), want, `${K[kind]} from ${JSON.stringify(s)}`);
          applied++;
        }
      }
    }
    assert.equal(applied, 2 + 4 * 2 * 2 + 2 + 2); // sale, change-in; refund/change-out/check/no-show; void; revoke
  });

  it("refuses the issue's examples with a reason naming the states", () => {
    const sold = apply(K.TICKET_EVENT_KIND_SALE, undefined);
    const checked = apply(K.TICKET_EVENT_KIND_CHECK, sold);
    assert.equal(
      outcome(K.TICKET_EVENT_KIND_REFUND, checked),
      "TICKET_EVENT_KIND_REFUND needs the ticket's checkStatus to be CHECK_STATUS_UNCHECKED or CHECK_STATUS_REVOKED; it is CHECK_STATUS_CHECKED",
    );
    const refunded = apply(K.TICKET_EVENT_KIND_REFUND, sold);
    assert.equal(
      outcome(K.TICKET_EVENT_KIND_CHANGE_OUT, refunded),
      "TICKET_EVENT_KIND_CHANGE_OUT needs the ticket's saleStatus to be SALE_STATUS_SOLD or SALE_STATUS_CHANGED_IN; it is SALE_STATUS_REFUNDED",
    );
    assert.equal(
      outcome(K.TICKET_EVENT_KIND_SALE, sold),
      "TICKET_EVENT_KIND_SALE creates the ticket, which exists already",
    );
    assert.equal(
      outcome(K.TICKET_EVENT_KIND_CHECK, undefined),
      "TICKET_EVENT_KIND_CHECK needs an existing ticket; there is none",
    );
    assert.throws(
      () => apply(K.TICKET_EVENT_KIND_UNSPECIFIED, sold),
      (e: unknown) => isTicketingError(e, "unknown-event-kind"),
    );
    assert.throws(
      () => apply(99 as TicketEventKind, sold),
      (e: unknown) => isTicketingError(e, "unknown-event-kind"),
    );
  });

  it("reads a record's state by the lifecycle's axes, unset fields as 0", () => {
    assert.deepEqual(stateOf(ticketLifecycle, { saleStatus: 2, checkStatus: 1, fareFen: 5000n }), state(2, 1));
    assert.deepEqual(stateOf(ticketLifecycle, {}), { saleStatus: 0, checkStatus: 0 });
  });

  it("over random event sequences: a refused event changes nothing, and a ticket out of the sale never comes back", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...kinds), { maxLength: 30 }), (sequence) => {
        let s: LifecycleState | undefined;
        let out = false;
        for (const kind of sequence) {
          const before = s;
          try {
            s = apply(kind, s);
          } catch {
            assert.equal(s, before);
            continue;
          }
          const sale = s.saleStatus as SaleStatus;
          if (out) assert.fail(`${K[kind]} applied to a ticket already ${SaleStatus[before?.saleStatus ?? 0]}`);
          out =
            sale === SaleStatus.SALE_STATUS_REFUNDED ||
            sale === SaleStatus.SALE_STATUS_CHANGED_OUT ||
            sale === SaleStatus.SALE_STATUS_VOID;
          assert.ok(sales.includes(sale) && checks.includes(s.checkStatus as CheckStatus));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
