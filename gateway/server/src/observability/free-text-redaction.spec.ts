import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { describeFreeText, freeTextMarks, redactFreeText } from "./free-text-redaction.js";

const id = "110105194912310021";
const phone = "13611112222";

/** The longest run of digits in `text`, counting through single spaces and hyphens as the redactor does. */
function longestDigitRun(text: string): number {
  let best = 0;
  for (const run of text.match(/\d(?:[ -]?\d)*/g) ?? []) best = Math.max(best, run.replace(/\D/g, "").length);
  return best;
}

describe("free-text redaction", () => {
  it("masks the ID number and phone of the issue's backend message, and keeps its words", () => {
    const out = redactFreeText(`lookup failed for holder ${id} tel ${phone}`);
    assert.equal(out, `lookup failed for holder ${freeTextMarks.digits} tel ${freeTextMarks.digits}`);
  });

  it("masks numbers in the forms people write them", () => {
    for (const written of [
      "11010519491231002X",
      "11010519491231002x",
      "110105491231002", // 15-digit ID of before 1999
      "+86 136 1111 2222",
      "+8613611112222",
      "136-1111-2222",
      "010-62345678",
      "6222 0212 3456 7890 123", // bank card
      "E12345678", // passport: the letter stays, the digits go
      "１３６１１１１２２２２", // full-width digits
      "holder110105194912310021tel13611112222",
    ]) {
      const out = redactFreeText(`x ${written} y`);
      assert.ok(longestDigitRun(out) < 6, `${written} -> ${out}`);
      assert.ok(out.includes(freeTextMarks.digits), `${written} -> ${out}`);
    }
    assert.equal(redactFreeText("code 12345 at line 42"), "code 12345 at line 42", "short numbers stay");
  });

  it("masks the values of personal keys, quoted or not, and e-mail addresses", () => {
    assert.equal(redactFreeText("holder_name=Zhang San, status=ok"), `holder_name=${freeTextMarks.value}, status=ok`);
    assert.equal(
      redactFreeText(`{"idNo": "X1", "name":"Li"}`),
      `{"idNo": ${freeTextMarks.value}, "name":${freeTextMarks.value}}`,
    );
    assert.equal(redactFreeText("Passenger_Name: 'Wang Wu'"), `Passenger_Name: ${freeTextMarks.value}`);
    assert.equal(redactFreeText("mail zhang.san@example.com.cn now"), `mail ${freeTextMarks.email} now`);
  });

  it("masks every run of CJK ideographs: names cannot be told from other words", () => {
    // NFKC makes the full-width colon an ASCII one.
    assert.equal(redactFreeText("查询失败：旅客张三"), `${freeTextMarks.cjk}:${freeTextMarks.cjk}`);
    assert.equal(redactFreeText("holder 张三 not found"), `holder ${freeTextMarks.cjk} not found`);
  });

  it("replaces control, bidi and zero-width characters, so a message cannot forge or reorder a log line", () => {
    const out = redactFreeText('a\nb\r\n{"level":"fatal"}\u202e\u2066c\u0000d\u200be\ud800');
    assert.doesNotMatch(out, /[\p{Cc}\u202e\u2066\u200b]/u);
    assert.ok(!/[\ud800-\udfff]/u.test(out.replace(/[\u{10000}-\u{10ffff}]/gu, "")));
    assert.equal(out.split("\ufffd").length - 1, 8);
  });

  it("cuts long text, never keeping the first digits of a number the cut went through", () => {
    const long = `${"a".repeat(250)} ${id}${"b".repeat(10_000)}`;
    const out = redactFreeText(long, { maxLength: 256 });
    assert.ok([...out].length <= 257);
    assert.ok(out.endsWith("…"));
    assert.ok(longestDigitRun(out) < 6);
    // A cut in the middle of a number: the bounded prefix ends inside it.
    const cut = redactFreeText(`${"a".repeat(1019)}${id}`, { maxLength: 256 });
    assert.doesNotMatch(cut, /\d/);
    const huge = redactFreeText("x".repeat(4 * 1024 * 1024));
    assert.equal([...huge].length, 257);
  });

  it("property: no planted ID or phone survives, whatever surrounds it", () => {
    const noise = fc.string({ unit: "binary", maxLength: 40 });
    const planted = fc.constantFrom(id, "11010519491231002X", phone, "+86 136-1111-2222", "１３６１１１１２２２２");
    fc.assert(
      fc.property(noise, planted, noise, (before, secret, after) => {
        const out = redactFreeText(`${before}${secret}${after}`, { maxLength: 1000 });
        // Whatever digits the noise adds next to the secret, none of the secret's digit runs survives.
        const digits = secret.normalize("NFKC").replace(/\D/g, "");
        assert.ok(!out.replace(/[ -]/g, "").includes(digits.slice(0, 6)) || before.includes(digits.slice(0, 6)));
        assert.doesNotMatch(out, /[\p{Cc}\p{Script=Han}]/u);
      }),
      { numRuns: 500 },
    );
  });

  it("describes a message by its redacted form, its length and a keyed digest that repeats within the process", () => {
    const text = `lookup failed for holder ${id} tel ${phone}`;
    const a = describeFreeText(text);
    assert.equal(a.length, text.length);
    assert.match(a.digest, /^[0-9a-f]{32}$/);
    assert.equal(describeFreeText(text).digest, a.digest);
    assert.notEqual(describeFreeText(`${text}.`).digest, a.digest);
    assert.ok(!JSON.stringify(a).includes("1101051949"));
  });
});
