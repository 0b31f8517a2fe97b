import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideFault, defaultPartnerFaults, mergeFaults } from "./partner-faults.js";
import { seededRandom } from "./seeded-random.js";

describe("fault settings", () => {
  it("are all off by default", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) assert.deepEqual(decideFault(defaultPartnerFaults, random), { kind: "none" });
  });

  it("merge a valid change and refuse a bad one", () => {
    const merged = mergeFaults(defaultPartnerFaults, { error5xxRate: 0.5, slowMs: 10 });
    assert.equal(merged.error5xxRate, 0.5);
    assert.equal(merged.slowMs, 10);
    assert.equal(merged.down, false);
    assert.throws(() => mergeFaults(merged, { error5xxRate: 1.5 }));
    assert.throws(() => mergeFaults(merged, { down: "yes" }));
    assert.throws(() => mergeFaults(merged, { slowMs: -1 }));
    assert.throws(() => mergeFaults(merged, { explode: true }));
    assert.throws(() => mergeFaults(merged, null));
  });
});

describe("fault decisions", () => {
  it("are the same for the same seed and differ for another", () => {
    const faults = mergeFaults(defaultPartnerFaults, { error5xxRate: 0.3, duplicateAnswerRate: 0.3, reorderRate: 0.3 });
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 100 }, () => decideFault(faults, random).kind).join(",");
    };
    assert.equal(run(11), run(11));
    assert.notEqual(run(11), run(12));
  });

  it("hit about their rate, at most one per request, down first", () => {
    const random = seededRandom(3);
    const faults = mergeFaults(defaultPartnerFaults, { error5xxRate: 0.2, timeoutAfterEffectRate: 0.25 });
    const kinds = new Map<string, number>();
    const statuses = new Set<number>();
    for (let i = 0; i < 4000; i++) {
      const d = decideFault(faults, random);
      kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
      if (d.kind === "error5xx") statuses.add(d.status);
    }
    const share = (k: string) => (kinds.get(k) ?? 0) / 4000;
    assert.ok(Math.abs(share("error5xx") - 0.2) < 0.03, `5xx ${share("error5xx")}`);
    // Timeouts only where no 5xx hit: 0.8 × 0.25.
    assert.ok(Math.abs(share("timeoutAfterEffect") - 0.2) < 0.03, `timeout ${share("timeoutAfterEffect")}`);
    assert.equal(kinds.get("duplicateAnswer"), undefined);
    assert.deepEqual([...statuses].sort(), [500, 502, 503]);
    assert.deepEqual(decideFault({ ...faults, down: true, error5xxRate: 1 }, random), { kind: "down" });
  });

  it("with rate 1 always hit", () => {
    const random = seededRandom(5);
    const faults = mergeFaults(defaultPartnerFaults, { reorderRate: 1 });
    for (let i = 0; i < 100; i++) assert.equal(decideFault(faults, random).kind, "reorder");
  });
});
