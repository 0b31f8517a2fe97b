import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fenToMicro, formatYuan, parseYuan } from "./money.js";

describe("parseYuan", () => {
  it("reads decimal yuan into micro-yuan", () => {
    assert.equal(parseYuan("123.40"), 123_400_000n);
    assert.equal(parseYuan("123.4"), 123_400_000n);
    assert.equal(parseYuan("12"), 12_000_000n);
    assert.equal(parseYuan("0"), 0n);
    assert.equal(parseYuan("0.01"), 10_000n);
    // Six places: a line's DECIMAL(18,6) tax.
    assert.equal(parseYuan("2.1105"), 2_110_500n);
    assert.equal(parseYuan("0.000001"), 1n);
    assert.equal(parseYuan("9999999999999999.999999"), 9_999_999_999_999_999_999_999n);
  });

  it("reads negatives (red-letter amounts), and -0 as zero", () => {
    assert.equal(parseYuan("-20.00"), -20_000_000n);
    assert.equal(parseYuan("-0.000001"), -1n);
    assert.equal(parseYuan("-2.1105"), -2_110_500n);
    assert.equal(parseYuan("-0"), 0n);
    assert.equal(parseYuan("-0.00"), 0n);
  });

  it("refuses what is not a decimal of at most six places", () => {
    for (const bad of [
      "",
      "-",
      "1.",
      ".5",
      "-.5",
      "01",
      "-01.00",
      "00.5",
      "1e3",
      "1E3",
      "1.1234567", // seven places
      "0.0000001",
      " 1",
      "1 ",
      "1. 5",
      "- 1",
      "+1",
      "--1",
      "1,000.00",
      "0x10",
      "１２", // full-width digits
      "12345678901234567", // 17 integer digits: beyond DECIMAL(18,x)
      "NaN",
      "Infinity",
    ]) {
      assert.equal(parseYuan(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe("formatYuan", () => {
  it("writes two places", () => {
    assert.equal(formatYuan(0n), "0.00");
    assert.equal(formatYuan(12_000_000n), "12.00");
    assert.equal(formatYuan(123_400_000n), "123.40");
    assert.equal(formatYuan(10_000n), "0.01");
    assert.equal(formatYuan(-20_000_000n), "-20.00");
    assert.equal(formatYuan(-10_000n), "-0.01");
  });

  it("rounds half away from zero at the fen", () => {
    assert.equal(formatYuan(5_000n), "0.01"); // 0.005
    assert.equal(formatYuan(4_999n), "0.00");
    assert.equal(formatYuan(11_115_000n), "11.12");
    assert.equal(formatYuan(11_114_999n), "11.11");
    assert.equal(formatYuan(2_110_500n), "2.11");
    assert.equal(formatYuan(99_995_000n), "100.00"); // the carry reaches the yuan
    assert.equal(formatYuan(-5_000n), "-0.01");
    assert.equal(formatYuan(-2_005_000n), "-2.01");
    assert.equal(formatYuan(-2_004_999n), "-2.00");
    assert.equal(formatYuan(-99_995_000n), "-100.00");
  });

  it("never writes -0.00", () => {
    assert.equal(formatYuan(-0n), "0.00");
    assert.equal(formatYuan(-1n), "0.00");
    assert.equal(formatYuan(-4_999n), "0.00");
  });

  it("round-trips every two-place amount", () => {
    const twoPlaces = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }), fc.integer({ min: 0, max: 99 }))
      .map(([neg, yuan, fen]) => `${neg ? "-" : ""}${yuan}.${String(fen).padStart(2, "0")}`)
      // "-0.00" is zero, written without its sign.
      .filter((text) => text !== "-0.00");
    fc.assert(
      fc.property(twoPlaces, (text) => {
        const micro = parseYuan(text);
        assert.notEqual(micro, undefined, text);
        assert.equal(formatYuan(micro as bigint), text);
      }),
    );
  });

  it("rounds any micro-yuan to its nearest fen", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (micro) => {
        const back = parseYuan(formatYuan(micro));
        assert.notEqual(back, undefined);
        const diff = (back as bigint) - micro;
        // Within half a fen, and exactly half only away from zero.
        assert.ok(diff >= -5_000n && diff <= 5_000n, `${micro} → ${formatYuan(micro)}`);
        if (diff === 5_000n) assert.ok(micro > 0n);
        if (diff === -5_000n) assert.ok(micro < 0n);
      }),
    );
  });
});

describe("fenToMicro", () => {
  it("converts the e-ticket's fen", () => {
    assert.equal(fenToMicro(0n), 0n);
    assert.equal(fenToMicro(1n), 10_000n);
    assert.equal(fenToMicro(10_900n), 109_000_000n);
    assert.equal(fenToMicro(-250n), -2_500_000n);
    assert.equal(formatYuan(fenToMicro(10_900n)), "109.00");
  });
});
