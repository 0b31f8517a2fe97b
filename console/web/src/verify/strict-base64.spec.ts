import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { decodeStrictBase64, encodeBase64 } from "./strict-base64.js";

describe("strict base64 (docs/audit-checkpoints.md §1)", () => {
  it("decodes and encodes exactly as Node does for canonical text, at every length", () => {
    for (let n = 1; n < 70; n++) {
      const bytes = randomBytes(n);
      const text = bytes.toString("base64");
      assert.equal(encodeBase64(bytes), text);
      assert.deepEqual(decodeStrictBase64(text), new Uint8Array(bytes));
    }
  });

  it("refuses every non-canonical spelling", () => {
    for (const text of [
      "", // empty
      "QQ", // missing padding
      "QQ=", // short padding
      "QQ==QQ==", // padding inside
      "Q===", // three padding characters
      "QR==", // non-zero unused bits (one byte)
      "QUI=".replace("I", "J"), // non-zero unused bits (two bytes)
      "-_8=", // URL alphabet
      "QUJD\n", // a newline
      " QUJD", // a space
      "QU JD", // a space inside
      "QUJD====",
      "====",
    ]) {
      assert.equal(decodeStrictBase64(text), undefined, JSON.stringify(text));
    }
  });

  it("refuses every text Node's lenient decoder would map onto the same bytes, but one", () => {
    const bytes = Uint8Array.of(0xfb, 0xff);
    const canonical = encodeBase64(bytes);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let accepted = 0;
    for (const c of alphabet) {
      const text = `${canonical.slice(0, 2)}${c}=`;
      if (!Buffer.from(text, "base64").equals(Buffer.from(bytes))) continue;
      if (decodeStrictBase64(text) !== undefined) accepted++;
    }
    assert.equal(accepted, 1);
  });
});
