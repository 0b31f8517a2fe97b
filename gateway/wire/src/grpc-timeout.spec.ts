import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatGrpcTimeout, parseGrpcTimeout } from "./grpc-timeout.js";

describe("grpc-timeout", () => {
  it("parses every unit", () => {
    assert.equal(parseGrpcTimeout("2H"), 7_200_000);
    assert.equal(parseGrpcTimeout("3M"), 180_000);
    assert.equal(parseGrpcTimeout("4S"), 4000);
    assert.equal(parseGrpcTimeout("5m"), 5);
    assert.equal(parseGrpcTimeout("6000u"), 6);
    assert.equal(parseGrpcTimeout("7000000n"), 7);
    assert.equal(parseGrpcTimeout("0m"), 0);
    assert.equal(parseGrpcTimeout("99999999S"), 99_999_999_000);
  });

  it("refuses malformed values", () => {
    for (const bad of ["", "m", "5", "5x", "123456789m", "-5m", "5.5m", " 5m", "5 m", "５m"]) {
      assert.equal(parseGrpcTimeout(bad), undefined, JSON.stringify(bad));
    }
  });

  it("formats within 8 digits, never shorter than asked, and parses back", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e15, noNaN: true }), (ms) => {
        const text = formatGrpcTimeout(ms);
        assert.match(text, /^\d{1,8}[HMSm]$/);
        const back = parseGrpcTimeout(text);
        assert.ok(back !== undefined && back >= Math.min(ms, 99_999_999 * 3_600_000), `${ms} -> ${text}`);
      }),
    );
    assert.equal(formatGrpcTimeout(1500), "1500m");
    assert.equal(formatGrpcTimeout(0.2), "1m");
    assert.equal(formatGrpcTimeout(100_000_000), "100000S");
  });
});
