// Reporting periods in Beijing time: a year or a month, its bounds as instants, its last civil day.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLicensingError } from "../licensing-error.js";
import { parsePeriod } from "./period.js";

const iso = (ms: number) => new Date(ms).toISOString();

describe("parsePeriod", () => {
  it("reads a year from Beijing's New Year to the next", () => {
    const p = parsePeriod("2026");
    assert.deepEqual(
      { ...p, startMs: iso(p.startMs), endMs: iso(p.endMs) },
      { label: "2026", startMs: "2025-12-31T16:00:00.000Z", endMs: "2026-12-31T16:00:00.000Z", lastDay: "2026-12-31" },
    );
  });

  it("reads a month, with its last day in common and leap years", () => {
    const feb = parsePeriod("2026-02");
    assert.equal(iso(feb.startMs), "2026-01-31T16:00:00.000Z");
    assert.equal(iso(feb.endMs), "2026-02-28T16:00:00.000Z");
    assert.equal(feb.lastDay, "2026-02-28");
    assert.equal(parsePeriod("2024-02").lastDay, "2024-02-29");
    assert.equal(parsePeriod("2100-02").lastDay, "2100-02-28", "a century is not a leap year");
    assert.equal(parsePeriod("2026-04").lastDay, "2026-04-30");
    const jan = parsePeriod("2026-01");
    assert.equal(iso(jan.startMs), "2025-12-31T16:00:00.000Z");
    assert.equal(jan.lastDay, "2026-01-31");
  });

  it("ends December at the next year's start", () => {
    const dec = parsePeriod("2026-12");
    assert.equal(iso(dec.startMs), "2026-11-30T16:00:00.000Z");
    assert.equal(iso(dec.endMs), "2026-12-31T16:00:00.000Z");
    assert.equal(dec.lastDay, "2026-12-31");
    assert.equal(dec.endMs, parsePeriod("2026").endMs);
  });

  it("refuses anything that is not YYYY or YYYY-MM as malformed", () => {
    for (const label of [
      "2026-13",
      "2026-00",
      "26",
      "2026-1",
      "",
      "2026-02-01",
      " 2026",
      "2026 ",
      "２０２６",
      "2026/02",
    ]) {
      assert.throws(
        () => parsePeriod(label),
        (e: unknown) => isLicensingError(e, "malformed") && e.message.includes(JSON.stringify(label)),
        JSON.stringify(label),
      );
    }
  });

  it("refuses a year whose bounds are not instants it can count, as malformed rather than failing", () => {
    for (const label of ["0000", "0999", "9999", "9999-12"]) {
      assert.throws(
        () => parsePeriod(label),
        (e: unknown) => isLicensingError(e, "malformed"),
        label,
      );
    }
    assert.equal(parsePeriod("9999-11").lastDay, "9999-11-30");
  });
});
