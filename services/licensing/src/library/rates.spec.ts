// The rates of docs/licences.md §5 in basis points, and the message that carries them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { basisPoints, licenceRates } from "./rates.js";

describe("basisPoints", () => {
  it("rounds down", () => {
    assert.equal(basisPoints(1, 3), 3333);
    assert.equal(basisPoints(2, 3), 6666);
    assert.equal(basisPoints(9999, 10_000), 9999);
    assert.equal(basisPoints(1, 20_001), 0);
    assert.equal(basisPoints(5, 6), 8333);
  });

  it("is 10000 for all, and no more when the numerator exceeds the denominator", () => {
    assert.equal(basisPoints(7, 7), 10_000);
    assert.equal(basisPoints(8, 7), 10_000);
    assert.equal(basisPoints(1_000_000, 1), 10_000);
  });

  it("is 0 over nothing, and 0 of something", () => {
    assert.equal(basisPoints(0, 0), 0);
    assert.equal(basisPoints(5, 0), 0);
    assert.equal(basisPoints(0, 5), 0);
    assert.equal(basisPoints(5, -1), 0);
  });

  it("is floor(n × 10000 / d) capped at 10000, for any counts", () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e9 }), fc.nat({ max: 1e9 }), (n, d) => {
        const bp = basisPoints(n, d);
        const exact = d === 0 ? 0n : (BigInt(n) * 10_000n) / BigInt(d);
        assert.equal(bp, Number(exact > 10_000n ? 10_000n : exact));
        assert.ok(Number.isInteger(bp) && bp >= 0 && bp <= 10_000);
      }),
    );
  });
});

describe("licenceRates", () => {
  it("carries each count and the rate of each pair", () => {
    assert.deepEqual(
      licenceRates("510000", "2026", {
        electronicValid: 90,
        registryValid: 120,
        activated: 1,
        issued: 3,
        compliantEvents: 999,
        events: 1000,
        aggregated: 7,
        reported: 5,
      }),
      {
        province: "510000",
        period: "2026",
        electronicValid: 90n,
        registryValid: 120n,
        issuanceBp: 7500,
        activated: 1n,
        issued: 3n,
        activationBp: 3333,
        compliantEvents: 999n,
        events: 1000n,
        complianceBp: 9990,
        aggregated: 7n,
        reported: 5n,
        aggregationBp: 10_000,
      },
    );
  });

  it("answers 0 for a rate over nothing", () => {
    const zero = {
      electronicValid: 0,
      registryValid: 0,
      activated: 0,
      issued: 0,
      compliantEvents: 0,
      events: 0,
      aggregated: 0,
      reported: 0,
    };
    const r = licenceRates("440000", "2026-02", zero);
    assert.deepEqual(
      [r.issuanceBp, r.activationBp, r.complianceBp, r.aggregationBp, r.events, r.province, r.period],
      [0, 0, 0, 0, 0n, "440000", "2026-02"],
    );
  });
});
