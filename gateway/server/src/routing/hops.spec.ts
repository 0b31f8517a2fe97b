import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkHops, formatHops, maxHopEntries, parseHops } from "./hops.js";
import { isRoutingError } from "./routing-error.js";
import { partyIdArbitrary } from "./testing-party-ids.js";

describe("hop list", () => {
  it("parses absent and empty as no hops", () => {
    assert.deepEqual(parseHops(undefined), []);
    assert.deepEqual(parseHops(""), []);
  });

  it("parses a list in order, tolerating spaces from joined headers", () => {
    assert.deepEqual(parseHops("prov:440000,mot"), ["prov:440000", "mot"]);
    assert.deepEqual(parseHops("prov:440000, mot"), ["prov:440000", "mot"]);
    assert.deepEqual(parseHops("prov:510000/licence"), ["prov:510000/licence"]);
  });

  for (const bad of [",", "mot,", ",mot", "mot,,prov:440000", " ", "mot;prov:440000", "prov:999999", "*", "mot,MOT"]) {
    it(`refuses ${JSON.stringify(bad)} as malformed-hops`, () => {
      assert.throws(
        () => parseHops(bad),
        (e) => isRoutingError(e, "malformed-hops"),
      );
    });
  }

  it("accepts 32 entries and refuses 33 or an oversized value", () => {
    const many = (n: number) => Array.from({ length: n }, () => "mot").join(",");
    assert.equal(parseHops(many(maxHopEntries)).length, 32);
    assert.throws(
      () => parseHops(many(33)),
      (e) => isRoutingError(e, "malformed-hops") && /more than 32/.test(e.message),
    );
    assert.throws(
      () => parseHops("m".repeat(100_000)),
      (e) => isRoutingError(e, "malformed-hops") && /longer than/.test(e.message),
    );
  });

  it("formats what it parses (property)", () => {
    fc.assert(
      fc.property(fc.array(partyIdArbitrary, { maxLength: maxHopEntries }), (hops) => {
        assert.deepEqual(parseHops(formatHops(hops)), hops);
      }),
    );
  });

  it("refuses to format an invalid list", () => {
    assert.throws(
      () => formatHops(["mot", "a,b"]),
      (e) => isRoutingError(e, "malformed-hops"),
    );
    assert.throws(
      () => formatHops(Array.from({ length: 33 }, () => "mot")),
      (e) => isRoutingError(e, "malformed-hops"),
    );
    assert.equal(formatHops([]), "");
  });

  it("refuses a loop through this gateway, naming the path", () => {
    assert.throws(
      () => checkHops(["mot", "prov:510000"], "prov:510000", 8),
      (e) => isRoutingError(e, "loop") && e.message === "routing loop: prov:510000 already on path mot,prov:510000",
    );
  });

  it("refuses a path that already contains a loop further back", () => {
    assert.throws(
      () => checkHops(["mot", "prov:440000", "mot"], "prov:510000", 8),
      (e) => isRoutingError(e, "loop") && /mot appears twice/.test(e.message),
    );
  });

  it("does not confuse a sub-system with its party", () => {
    assert.doesNotThrow(() => checkHops(["prov:510000/licence"], "prov:510000", 8));
  });

  it("refuses a path of maxHops or more, allows one shorter", () => {
    assert.doesNotThrow(() => checkHops([], "mot", 1));
    assert.doesNotThrow(() => checkHops(["prov:440000", "mot"], "prov:510000", 3));
    assert.throws(
      () => checkHops(["prov:440000", "mot", "rail:cr"], "prov:510000", 3),
      (e) => isRoutingError(e, "too-many-hops") && /max 3/.test(e.message),
    );
  });
});
