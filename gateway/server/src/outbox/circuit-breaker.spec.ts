import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type BreakerState, breakerAdmit, breakerRecord, breakerRefuses, closedBreaker } from "./circuit-breaker.js";

const policy = { breakerThreshold: 3, breakerCoolDownMs: 1000 };

describe("circuit breaker", () => {
  it("closed → open after the threshold of failures in a row → half-open after the cool-down → closed on success", () => {
    let s: BreakerState = closedBreaker;
    s = breakerRecord(s, "failure", 0, policy);
    s = breakerRecord(s, "failure", 1, policy);
    assert.deepEqual(s, { kind: "closed", failures: 2 });
    assert.equal(breakerAdmit(s, 2).admit, true, "closed admits");
    s = breakerRecord(s, "failure", 2, policy);
    assert.deepEqual(s, { kind: "open", untilMs: 1002 });
    assert.equal(breakerAdmit(s, 1001).admit, false, "open refuses during the cool-down");
    assert.equal(breakerRefuses(s, 1001), true);
    const probe = breakerAdmit(s, 1002);
    assert.deepEqual(probe, { admit: true, state: { kind: "half-open", probing: true } }, "one probe after it");
    assert.equal(breakerAdmit(probe.state, 1003).admit, false, "only one probe at a time");
    assert.deepEqual(breakerRecord(probe.state, "success", 1004, policy), closedBreaker);
  });

  it("a failed probe opens it again for a whole cool-down; a success in between resets the count", () => {
    const open = breakerRecord({ kind: "half-open", probing: true }, "failure", 5000, policy);
    assert.deepEqual(open, { kind: "open", untilMs: 6000 });
    assert.deepEqual(breakerRecord(open, "failure", 5500, policy), open, "a late failure does not extend it");
    assert.deepEqual(breakerRecord(open, "success", 5500, policy), closedBreaker, "a late success closes it");
    const twice = breakerRecord(breakerRecord(closedBreaker, "failure", 0, policy), "failure", 0, policy);
    assert.deepEqual(breakerRecord(twice, "success", 0, policy), closedBreaker, "failures must be in a row");
  });

  it("under any sequence of tries and answers: never admits while open, one probe at a time, opens after the threshold", () => {
    type Event = { readonly kind: "admit" | "success" | "failure"; readonly dt: number };
    const event = fc.record({
      kind: fc.constantFrom<Event["kind"]>("admit", "success", "failure"),
      dt: fc.integer({ min: 0, max: 700 }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        let s: BreakerState = closedBreaker;
        let t = 0;
        let run = 0; // failures in a row while closed
        let probes = 0; // probes admitted and not yet answered
        for (const e of events) {
          t += e.dt;
          if (e.kind === "admit") {
            const before = s;
            const r = breakerAdmit(s, t);
            if (before.kind === "open" && t < before.untilMs) assert.equal(r.admit, false);
            if (before.kind === "half-open" && before.probing) assert.equal(r.admit, false);
            if (r.admit && r.state.kind === "half-open") probes += 1;
            assert.ok(probes <= 1, "never two probes");
            s = r.state;
            continue;
          }
          const before = s;
          s = breakerRecord(s, e.kind, t, policy);
          if (e.kind === "success") {
            assert.deepEqual(s, closedBreaker);
            run = 0;
            probes = 0;
          } else if (before.kind === "closed") {
            run += 1;
            assert.equal(s.kind === "open", run >= policy.breakerThreshold);
            if (s.kind === "open") run = 0;
          } else if (before.kind === "half-open") {
            assert.deepEqual(s, { kind: "open", untilMs: t + policy.breakerCoolDownMs });
            probes = 0;
          }
        }
      }),
    );
  });
});
