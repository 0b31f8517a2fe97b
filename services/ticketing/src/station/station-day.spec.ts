// The station simulator: deterministic per seed, well-sequenced per source, and — the real check —
// never an event the contract's lifecycle refuses, over a whole day applied in report order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CheckStatus,
  TicketEventKind as K,
  SaleChannel,
  SaleStatus,
  type TicketEvent,
  TicketMedium,
} from "@hutong/proto";
import { beijingDay, beijingDayStart } from "@hutong/service-kit";
import fc from "fast-check";
import { type LifecycleState, nextState } from "../lifecycle/next-state.js";
import { ticketLifecycle } from "../ticket-lifecycle.js";
import { checkBatch, maxBatch } from "../upload/check-batch.js";
import { checkEvent } from "../upload/check-event.js";
import { simulatedProvince } from "./simulated-registry.js";
import { defaultMix, type SimulatedDay, type StationMix, simulateStationDay, stationParty } from "./station-day.js";

const code = "510000";
const provinceParty = `prov:${code}`;
const day = "2026-12-04";
const registry = simulatedProvince(code, ["440000", "310000"], 8, 20261205);
const sales = 5000;
const simulated = simulateStationDay(registry, provinceParty, day, sales, 7);
const { events } = simulated;

const ticketNo = (e: TicketEvent) => e.ticket?.ticketNo ?? "";
const creates = (e: TicketEvent) => e.kind === K.TICKET_EVENT_KIND_SALE || e.kind === K.TICKET_EVENT_KIND_CHANGE_IN;
const count = (list: readonly TicketEvent[], kind: K) => list.filter((e) => e.kind === kind).length;

/** Applies the day through the contract's lifecycle; throws on the first transition it refuses. */
function applyDay(list: readonly TicketEvent[]): Map<string, LifecycleState> {
  const states = new Map<string, LifecycleState>();
  for (const [i, e] of list.entries()) {
    try {
      states.set(ticketNo(e), nextState(ticketLifecycle, e.kind, states.get(ticketNo(e))));
    } catch (cause) {
      throw new Error(
        `event #${i} (${e.idempotencyKey}, ${K[e.kind]} of ${ticketNo(e)}) is refused: ${String(cause)}`,
        {
          cause,
        },
      );
    }
  }
  return states;
}

/** `actual` within ±50% of `expected`. */
function near(actual: number, expected: number, what: string): void {
  assert.ok(
    actual >= expected * 0.5 && actual <= expected * 1.5,
    `${what}: ${actual}, expected about ${expected} (±50%)`,
  );
}

describe("simulateStationDay", () => {
  it("is deterministic for a seed, and another seed gives another day", () => {
    const again = simulateStationDay(
      simulatedProvince(code, ["440000", "310000"], 8, 20261205),
      provinceParty,
      day,
      sales,
      7,
    );
    assert.deepEqual(again, simulated);
    const other = simulateStationDay(registry, provinceParty, day, sales, 8);
    assert.notDeepEqual(other.events, events);
    assert.equal(count(other.events, K.TICKET_EVENT_KIND_SALE), sales);
  });

  it("sells exactly `sales` tickets, and nothing on a day without sales", () => {
    assert.equal(count(events, K.TICKET_EVENT_KIND_SALE), sales);
    assert.deepEqual(simulateStationDay(registry, provinceParty, day, 0, 7).events, []);
  });

  it("names each station's system as the source of the events at that station", () => {
    assert.deepEqual(
      [...simulated.sources],
      registry.stations.map((s) => [s.code, stationParty(provinceParty, s.code)]),
    );
    assert.equal(stationParty(provinceParty, "510101001"), "prov:510000/station-510101001");
    for (const e of events) assert.equal(e.source, simulated.sources.get(e.station?.code ?? ""), e.idempotencyKey);
  });

  it("numbers every source's events 1..n without gaps, in report order", () => {
    const last = new Map<string, bigint>();
    for (const e of events) {
      const want = (last.get(e.source) ?? 0n) + 1n;
      assert.equal(e.sourceSeq, want, `${e.source} after ${want - 1n}`);
      last.set(e.source, e.sourceSeq);
    }
    assert.equal(
      [...last.values()].reduce((a, n) => a + n, 0n),
      BigInt(events.length),
    );
  });

  it("gives every event a unique idempotency key", () => {
    const keys = new Set(events.map((e) => e.idempotencyKey));
    assert.equal(keys.size, events.length);
  });

  it("reports events in time: occurred_at never decreases, and sales fall on the day", () => {
    for (let i = 1; i < events.length; i++) {
      const before = events[i - 1]?.occurredAt?.getTime() ?? Number.NaN;
      const now = events[i]?.occurredAt?.getTime() ?? Number.NaN;
      assert.ok(before <= now, `event #${i} at ${now} is before #${i - 1} at ${before}`);
    }
    const start = beijingDayStart(day);
    for (const e of events.filter((x) => x.kind === K.TICKET_EVENT_KIND_SALE)) {
      assert.equal(beijingDay(e.occurredAt?.getTime() ?? 0), day, e.idempotencyKey);
      assert.ok((e.occurredAt?.getTime() ?? 0) >= start);
    }
  });

  it("voids a ticket the day it is sold (废票: cancelled the same day), before it departs", () => {
    const soldAt = new Map(events.filter(creates).map((e) => [ticketNo(e), e.occurredAt?.getTime() ?? Number.NaN]));
    const voids = events.filter((e) => e.kind === K.TICKET_EVENT_KIND_VOID);
    assert.ok(voids.length > 0);
    for (const e of voids) {
      const at = e.occurredAt?.getTime() ?? Number.NaN;
      assert.equal(beijingDay(at), beijingDay(soldAt.get(ticketNo(e)) ?? Number.NaN), `void of ${ticketNo(e)}`);
      assert.ok(at < (e.ticket?.departTime?.getTime() ?? Number.NaN), `void of ${ticketNo(e)} after departure`);
    }
  });

  it("refers every later event to a ticket sold earlier in the list, and sells each ticket once", () => {
    const sold = new Set<string>();
    for (const e of events) {
      if (creates(e)) {
        assert.ok(!sold.has(ticketNo(e)), `${ticketNo(e)} is sold twice`);
        sold.add(ticketNo(e));
      } else assert.ok(sold.has(ticketNo(e)), `${K[e.kind]} of ${ticketNo(e)} before it is sold`);
    }
  });

  it("links every change-in to a ticket changed out earlier, one to one", () => {
    const out = new Set<string>();
    const replaced = new Set<string>();
    const origOf = new Map<string, string>();
    for (const e of events) {
      if (e.kind === K.TICKET_EVENT_KIND_CHANGE_OUT) out.add(ticketNo(e));
      const orig = e.ticket?.origTicketNo ?? "";
      if (e.kind === K.TICKET_EVENT_KIND_CHANGE_IN) {
        assert.ok(out.has(orig), `change-in ${ticketNo(e)} replaces ${orig}, not changed out before it`);
        assert.ok(!replaced.has(orig), `${orig} is replaced twice`);
        replaced.add(orig);
      } else if (e.kind === K.TICKET_EVENT_KIND_SALE) assert.equal(orig, "", `sale ${ticketNo(e)} names an original`);
      else assert.equal(orig, origOf.get(ticketNo(e)), `${K[e.kind]} of ${ticketNo(e)} names another original`);
      if (creates(e)) origOf.set(ticketNo(e), orig);
    }
    assert.ok(replaced.size > 0);
    assert.equal(replaced.size, out.size);
  });

  it("never emits a transition the contract's lifecycle refuses, and leaves no ticket sold but unsettled", () => {
    const states = applyDay(events);
    assert.equal(states.size, sales + count(events, K.TICKET_EVENT_KIND_CHANGE_IN));
    const valid = [SaleStatus.SALE_STATUS_SOLD, SaleStatus.SALE_STATUS_CHANGED_IN];
    for (const [no, s] of states) {
      const open = valid.includes(s.saleStatus as SaleStatus) && s.checkStatus === CheckStatus.CHECK_STATUS_UNCHECKED;
      assert.ok(!open, `${no} ends the day sold and unchecked`);
    }
  });

  it("the lifecycle check is not vacuous: it refuses a day with an event moved before its sale", () => {
    const i = events.findIndex((e) => e.kind === K.TICKET_EVENT_KIND_REFUND);
    const refund = events[i] as TicketEvent;
    const j = events.findIndex((e) => creates(e) && ticketNo(e) === ticketNo(refund));
    assert.ok(j >= 0 && j < i);
    const moved = [...events.slice(0, j), refund, ...events.slice(j, i), ...events.slice(i + 1)];
    assert.throws(() => applyDay(moved), /is refused/);
    const twice = [...events.slice(0, i + 1), refund, ...events.slice(i + 1)];
    assert.throws(() => applyDay(twice), /is refused/);
  });

  it("passes the province's own upload checks: every event, and every source's events in batches", () => {
    const stations = new Set(registry.stations.map((s) => s.code));
    const scope = { province: code, isStation: (c: string) => stations.has(c) };
    for (const e of events) checkEvent(scope, e.source, e);
    const bySource = new Map<string, TicketEvent[]>();
    for (const e of events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    for (const [source, list] of bySource) {
      for (let k = 0; k < list.length; k += maxBatch) {
        checkBatch(source, { source, events: list.slice(k, k + maxBatch) });
      }
    }
  });

  it("lands the shares of refunds, changes, voids and no-shows near the default mix", () => {
    near(count(events, K.TICKET_EVENT_KIND_REFUND), sales * defaultMix.refund, "refunds");
    near(count(events, K.TICKET_EVENT_KIND_CHANGE_OUT), sales * defaultMix.change, "changes");
    near(count(events, K.TICKET_EVENT_KIND_VOID), sales * defaultMix.void, "voids");
    near(count(events, K.TICKET_EVENT_KIND_NO_SHOW), sales * defaultMix.noShow, "no-shows");
    const checked = sales * (1 - defaultMix.refund - defaultMix.change - defaultMix.void - defaultMix.noShow);
    near(count(events, K.TICKET_EVENT_KIND_CHECK_REVOKED), checked * defaultMix.checkRevoked, "revoked checks");
    assert.equal(count(events, K.TICKET_EVENT_KIND_CHANGE_IN), count(events, K.TICKET_EVENT_KIND_CHANGE_OUT));
  });

  it("refunds with no fee or a tenth of the fare, and nothing else carries a fee", () => {
    for (const e of events) {
      if (e.kind !== K.TICKET_EVENT_KIND_REFUND) assert.equal(e.refundFeeFen, 0n);
      else {
        const fare = e.ticket?.fareFen ?? -1n;
        assert.ok(e.refundFeeFen === 0n || e.refundFeeFen === fare / 10n, `fee ${e.refundFeeFen} of a fare of ${fare}`);
      }
    }
  });

  it("sells paper tickets in the share mix.paper says, at the window", () => {
    const sold = (list: readonly TicketEvent[]) => list.filter(creates).map((e) => e.ticket);
    const paper = sold(events).filter((t) => t?.medium === TicketMedium.TICKET_MEDIUM_PAPER);
    near(paper.length, sold(events).length * defaultMix.paper, "paper tickets");
    for (const t of paper) assert.equal(t?.saleChannel, SaleChannel.SALE_CHANNEL_WINDOW);
    for (const t of sold(events)) {
      assert.ok(t?.medium === TicketMedium.TICKET_MEDIUM_PAPER || t?.medium === TicketMedium.TICKET_MEDIUM_ELECTRONIC);
      assert.ok(
        t && t.saleChannel >= SaleChannel.SALE_CHANNEL_WINDOW && t.saleChannel <= SaleChannel.SALE_CHANNEL_MOBILE,
      );
    }
    const none = simulateStationDay(registry, provinceParty, day, 500, 3, { ...defaultMix, paper: 0 });
    assert.ok(sold(none.events).every((t) => t?.medium === TicketMedium.TICKET_MEDIUM_ELECTRONIC));
    const all = simulateStationDay(registry, provinceParty, day, 500, 3, { ...defaultMix, paper: 1 });
    assert.ok(sold(all.events).every((t) => t?.medium === TicketMedium.TICKET_MEDIUM_PAPER));
    const half = simulateStationDay(registry, provinceParty, day, 2000, 3, { ...defaultMix, paper: 0.5 });
    near(sold(half.events).filter((t) => t?.medium === TicketMedium.TICKET_MEDIUM_PAPER).length, 1000, "half paper");
  });

  it("follows a mix of its own: only what the mix names happens", () => {
    const mix: StationMix = { refund: 0.5, change: 0, void: 0, noShow: 0, checkRevoked: 0, paper: 0 };
    const d = simulateStationDay(registry, provinceParty, day, 2000, 11, mix);
    near(count(d.events, K.TICKET_EVENT_KIND_REFUND), 1000, "refunds");
    for (const k of [K.TICKET_EVENT_KIND_CHANGE_OUT, K.TICKET_EVENT_KIND_VOID, K.TICKET_EVENT_KIND_NO_SHOW]) {
      assert.equal(count(d.events, k), 0, K[k]);
    }
    assert.equal(count(d.events, K.TICKET_EVENT_KIND_CHECK_REVOKED), 0);
    assert.equal(count(d.events, K.TICKET_EVENT_KIND_REFUND) + count(d.events, K.TICKET_EVENT_KIND_CHECK), 2000);
    applyDay(d.events);
  });

  it("property: any mix, seed and size gives a day the lifecycle accepts, numbered 1..n per source", () => {
    const share = fc.double({ min: 0, max: 0.25, noNaN: true });
    const mixes = fc.record(
      {
        refund: share,
        change: share,
        void: share,
        noShow: share,
        checkRevoked: fc.double({ min: 0, max: 1, noNaN: true }),
        paper: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(mixes, fc.integer(), fc.integer({ min: 0, max: 150 }), (mix, seed, n) => {
        const d: SimulatedDay = simulateStationDay(registry, provinceParty, day, n, seed, mix);
        applyDay(d.events);
        assert.equal(count(d.events, K.TICKET_EVENT_KIND_SALE), n);
        const last = new Map<string, bigint>();
        for (const e of d.events) {
          assert.equal(e.sourceSeq, (last.get(e.source) ?? 0n) + 1n);
          last.set(e.source, e.sourceSeq);
        }
        assert.equal(new Set(d.events.map((e) => e.idempotencyKey)).size, d.events.length);
      }),
      { numRuns: 100 },
    );
  });
});
