import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../support/usage-error.js";
import { periodKind, subPeriods } from "./periods.js";

describe("report periods", () => {
  it("tells a year, a month and a day apart", () => {
    assert.equal(periodKind("2026"), "year");
    assert.equal(periodKind("2026-12"), "month");
    assert.equal(periodKind("2026-12-04"), "day");
  });

  it("splits a year into its twelve months, in order", () => {
    const months = subPeriods("2026");
    assert.equal(months.length, 12);
    assert.equal(months[0], "2026-01");
    assert.equal(months[8], "2026-09");
    assert.equal(months[11], "2026-12");
  });

  it("splits a month into its days, by the month's length", () => {
    assert.equal(subPeriods("2026-01").length, 31);
    assert.equal(subPeriods("2026-04").length, 30);
    assert.equal(subPeriods("2026-12").at(-1), "2026-12-31");
    assert.deepEqual(subPeriods("2026-04").slice(0, 2), ["2026-04-01", "2026-04-02"]);
    assert.equal(subPeriods("2026-04").at(-1), "2026-04-30");
  });

  it("counts February's days by the leap-year rule (4, not 100, but 400)", () => {
    assert.equal(subPeriods("2026-02").length, 28);
    assert.equal(subPeriods("2028-02").length, 29);
    assert.equal(subPeriods("2028-02").at(-1), "2028-02-29");
    assert.equal(subPeriods("2100-02").length, 28);
    assert.equal(subPeriods("2000-02").length, 29);
  });

  it("keeps a day as it is", () => {
    assert.deepEqual(subPeriods("2026-12-04"), ["2026-12-04"]);
    assert.deepEqual(subPeriods("2028-02-29"), ["2028-02-29"]);
  });

  it("refuses what the service would refuse, naming the flag", () => {
    for (const bad of [
      "",
      "26",
      "2026-13",
      "2026-00",
      "2026-02-29",
      "2026-04-31",
      "2026-1",
      "1969",
      "2026/12",
      "2026-12-04T00",
    ]) {
      assert.throws(
        () => subPeriods(bad),
        (e: unknown) => e instanceof UsageError && /^--period .* is not a year \(2026\)/.test(e.message),
        bad,
      );
    }
  });
});
