import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  amountInWords,
  beijingTime,
  formatYuan,
  invoiceNumber,
  parseYuan,
  roundToFen,
  sumYuan,
  yuan,
} from "./invoice-rules.js";

describe("money as decimal strings", () => {
  it("parses yuan into micro-yuan without floats", () => {
    assert.equal(parseYuan("123.45"), 123_450_000n);
    assert.equal(parseYuan("0.1"), 100_000n);
    assert.equal(parseYuan("-0.000001"), -1n);
    assert.equal(parseYuan("12"), 12_000_000n);
    // 0.1 + 0.2 is exactly 0.3 here, as floats would not have it.
    assert.equal(sumYuan(["0.1", "0.2"]), yuan("0.3"));
    assert.equal(parseYuan("9999999999999999.99"), 9_999_999_999_999_999_990_000n);
  });

  it("refuses what is not an amount", () => {
    for (const bad of ["", "1.", ".5", "1e3", "1,000.00", "12.3456789", " 1", "--1", "0x10", "１２"]) {
      assert.equal(parseYuan(bad), undefined, bad);
    }
    assert.throws(() => yuan("abc"), TypeError);
  });

  it("rounds to fen half away from zero", () => {
    assert.equal(roundToFen(yuan("11.1105")), yuan("11.11"));
    assert.equal(roundToFen(yuan("11.115")), yuan("11.12"));
    assert.equal(roundToFen(yuan("11.114999")), yuan("11.11"));
    assert.equal(roundToFen(yuan("-2.005")), yuan("-2.01"));
    assert.equal(roundToFen(yuan("-2.004")), yuan("-2.00"));
  });

  it("formats with the decimals asked for, never dropping digits", () => {
    assert.equal(formatYuan(yuan("12")), "12.00");
    assert.equal(formatYuan(yuan("-12")), "-12.00");
    assert.equal(formatYuan(-0n), "0.00");
    assert.equal(formatYuan(yuan("-0.05")), "-0.05");
    assert.equal(formatYuan(yuan("2.1105"), 4), "2.1105");
    assert.throws(() => formatYuan(yuan("2.1105")), RangeError);
    assert.throws(() => formatYuan(1n, 7), RangeError);
  });
});

describe("价税合计大写", () => {
  const cases: readonly [string, string][] = [
    ["123.45", "壹佰贰拾叁圆肆角伍分"],
    ["123.00", "壹佰贰拾叁圆整"],
    ["100", "壹佰圆整"],
    ["10", "壹拾圆整"],
    ["0.50", "伍角"],
    ["0.05", "伍分"],
    ["0.00", "零圆整"],
    ["100.05", "壹佰圆零伍分"],
    ["1005.50", "壹仟零伍圆伍角"],
    ["1680.32", "壹仟陆佰捌拾圆叁角贰分"],
    ["100100", "壹拾万零壹佰圆整"],
    ["101000", "壹拾万壹仟圆整"],
    ["10000001", "壹仟万零壹圆整"],
    ["100000001", "壹亿零壹圆整"],
    ["120000000", "壹亿贰仟万圆整"],
    ["134.56", "壹佰叁拾肆圆伍角陆分"],
    ["9999999999999999.99", "玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分"],
  ];
  for (const [amount, words] of cases) {
    it(`${amount} → ${words}`, () => assert.equal(amountInWords(yuan(amount)), words));
  }

  it("prefixes a negative amount （负数） and refuses fractions of a fen", () => {
    assert.equal(amountInWords(yuan("-134.56")), "（负数）壹佰叁拾肆圆伍角陆分");
    assert.throws(() => amountInWords(yuan("1.001")), RangeError);
  });
});

describe("Beijing time and invoice numbers", () => {
  it("formats an instant in Beijing time whatever the machine's zone", () => {
    assert.equal(beijingTime(Date.parse("2026-12-04T01:02:03Z")), "2026-12-04 09:02:03");
    // 16:30 UTC on New Year's Eve is already the next year in Beijing.
    assert.equal(beijingTime(Date.parse("2026-12-31T16:30:00Z")), "2027-01-01 00:30:00");
  });

  it("builds 20 digits: yy, region, channel 1, a 15-digit sequence", () => {
    const at = Date.parse("2026-12-31T16:30:00Z");
    assert.equal(invoiceNumber(at, "51", 42), "27511000000000000042");
    assert.equal(invoiceNumber(at, "44", 999_999_999_999_999), "27441999999999999999");
    assert.throws(() => invoiceNumber(at, "5", 1), RangeError);
    assert.throws(() => invoiceNumber(at, "51", 0), RangeError);
    assert.throws(() => invoiceNumber(at, "51", 1_000_000_000_000_000), RangeError);
  });
});
