import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { beijingIso, railTime } from "./partner-time.js";

describe("the partners' time formats", () => {
  const instant = Date.parse("2026-12-04T16:30:05.678Z");

  it("write rail time as Beijing wall-clock time, to the second", () => {
    assert.equal(railTime(instant), "2026-12-05 00:30:05");
  });

  it("write ISO 8601 at +08:00 for the same instant", () => {
    assert.equal(beijingIso(instant), "2026-12-05T00:30:05+08:00");
    assert.equal(Date.parse(beijingIso(instant)), instant - 678);
  });
});
