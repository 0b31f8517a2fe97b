import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fromBeijingText, toBeijingText } from "./beijing-time.js";

describe("Beijing time", () => {
  it("writes UTC+8 as YYYY-MM-DD HH:mm:ss", () => {
    assert.equal(toBeijingText(new Date("2026-12-04T00:30:00Z")), "2026-12-04 08:30:00");
    // Crosses midnight and the year: the date is Beijing's, not UTC's.
    assert.equal(toBeijingText(new Date("2026-12-31T16:00:00Z")), "2027-01-01 00:00:00");
    assert.equal(toBeijingText(new Date("2026-12-31T15:59:59Z")), "2026-12-31 23:59:59");
    // No daylight saving: summer is +8 too.
    assert.equal(toBeijingText(new Date("2026-07-01T04:00:00Z")), "2026-07-01 12:00:00");
    // Milliseconds are dropped, not rounded.
    assert.equal(toBeijingText(new Date("2026-12-04T00:30:00.999Z")), "2026-12-04 08:30:00");
  });

  it("reads it back as the instant it names", () => {
    assert.equal(fromBeijingText("2026-12-04 08:30:00")?.toISOString(), "2026-12-04T00:30:00.000Z");
    assert.equal(fromBeijingText("2027-01-01 00:00:00")?.toISOString(), "2026-12-31T16:00:00.000Z");
    assert.equal(fromBeijingText("2024-02-29 12:00:00")?.toISOString(), "2024-02-29T04:00:00.000Z");
    assert.equal(fromBeijingText("1970-01-01 08:00:00")?.getTime(), 0);
  });

  it("round-trips every second", () => {
    const seconds = fc.integer({ min: 0, max: Math.floor(Date.UTC(2099, 11, 31) / 1000) });
    fc.assert(
      fc.property(seconds, (s) => {
        const date = new Date(s * 1000);
        const text = toBeijingText(date);
        assert.match(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.equal(fromBeijingText(text)?.getTime(), date.getTime());
      }),
    );
  });

  it("refuses impossible dates and times", () => {
    for (const bad of [
      "2026-02-30 00:00:00", // Date.parse would roll it over to 2 March
      "2025-02-29 00:00:00", // not a leap year
      "2026-04-31 00:00:00",
      "2026-13-01 00:00:00",
      "2026-00-10 00:00:00",
      "2026-01-00 00:00:00",
      "2026-01-01 24:00:00", // ISO allows 24:00, the channel does not
      "2026-01-01 23:60:00",
      "2026-01-01 23:59:60",
    ]) {
      assert.equal(fromBeijingText(bad), undefined, bad);
    }
  });

  it("refuses any other shape", () => {
    for (const bad of [
      "",
      "2026-12-04",
      "2026-12-04 08:30",
      "2026-12-04T08:30:00",
      "2026-12-04T08:30:00Z",
      "2026-12-04 08:30:00Z",
      "2026-12-04 08:30:00+08:00",
      "2026-12-04 08:30:00.000",
      "2026-12-4 08:30:00",
      "2026/12/04 08:30:00",
      " 2026-12-04 08:30:00",
      "2026-12-04 08:30:00 ",
      "2026-12-04  08:30:00",
      "+02026-12-04 08:30:00",
    ]) {
      assert.equal(fromBeijingText(bad), undefined, JSON.stringify(bad));
    }
  });
});
