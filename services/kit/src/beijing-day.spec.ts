import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { beijingDay, beijingDayStart, beijingHour, dayInPeriod, isPeriod } from "./beijing-day.js";

describe("beijing-day", () => {
  it("puts an instant in its Beijing day, not the UTC one", () => {
    assert.equal(beijingDay(Date.parse("2026-12-04T15:59:59Z")), "2026-12-04");
    assert.equal(beijingDay(Date.parse("2026-12-04T16:00:00Z")), "2026-12-05");
    assert.equal(beijingHour(Date.parse("2026-12-04T00:30:00Z")), 8);
    assert.equal(beijingDayStart("2026-12-05"), Date.parse("2026-12-04T16:00:00Z"));
  });
  it("reads periods", () => {
    for (const p of ["2026", "2026-12", "2026-12-04", "2024-02-29"]) assert.equal(isPeriod(p), true, p);
    for (const p of ["", "26", "2026-13", "2026-12-32", "2025-02-29", "2026-1", "2026-12-04T00", "x"]) {
      assert.equal(isPeriod(p), false, p);
    }
    assert.equal(dayInPeriod("2026-12-04", "2026"), true);
    assert.equal(dayInPeriod("2026-12-04", "2026-12"), true);
    assert.equal(dayInPeriod("2026-12-04", "2026-12-04"), true);
    assert.equal(dayInPeriod("2026-12-04", "2026-1"), false);
    assert.equal(dayInPeriod("2026-12-04", "2026-11"), false);
  });
});
