import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestSerial } from "./request-serial.js";

describe("requestSerial", () => {
  const origin = "prov:510000";
  const key = "5101000020261204000001:blue";

  it("is 32 characters of upper-case hex, the channel's serial", () => {
    for (const s of [requestSerial("invoice", origin, key), requestSerial("slip", origin, key)]) {
      assert.match(s, /^[0-9A-F]{32}$/);
    }
  });

  it("is the same for the same request, so a retry is recognised", () => {
    assert.equal(requestSerial("invoice", origin, key), requestSerial("invoice", origin, key));
  });

  it("differs for another origin, another key and another use", () => {
    const s = requestSerial("invoice", origin, key);
    const others = [
      requestSerial("invoice", "prov:440000", key),
      requestSerial("invoice", origin, "5101000020261204000001:red"),
      requestSerial("slip", origin, key),
    ];
    for (const o of others) assert.notEqual(o, s);
    assert.equal(new Set(others).size, others.length);
  });

  it("keeps origin and key apart: moving a character across them changes the serial", () => {
    assert.notEqual(requestSerial("invoice", "prov:51", "0000:blue"), requestSerial("invoice", "prov:510", "000:blue"));
  });

  it("is case-sensitive in the key", () => {
    assert.notEqual(requestSerial("invoice", origin, "abc"), requestSerial("invoice", origin, "ABC"));
  });
});
