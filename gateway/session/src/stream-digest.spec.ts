import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import fc from "fast-check";
import { concatBytes, u32be } from "./canonical-encoding.js";
import { createStreamDigest } from "./stream-digest.js";

const digestOf = (messages: readonly Uint8Array[]) => {
  const d = createStreamDigest();
  for (const m of messages) d.update(m);
  return Buffer.from(d.digest()).toString("hex");
};
const text = (...parts: string[]) => parts.map((p) => new TextEncoder().encode(p));

describe("stream digest", () => {
  it("is SM3 over each message with its u32be length, SM3 of nothing for no message", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 5 }), (messages) => {
        const framed = concatBytes(messages.flatMap((m) => [u32be(m.length), m]));
        assert.equal(digestOf(messages), Buffer.from(sm3(framed)).toString("hex"));
      }),
    );
    assert.equal(digestOf([]), Buffer.from(sm3()).toString("hex"));
  });

  it("authenticates boundaries, order and the end: no two different streams share a digest", () => {
    const digests = new Set(
      [text("ab", "c"), text("a", "bc"), text("abc"), text("c", "ab"), text("ab", "c", ""), text("ab")].map(digestOf),
    );
    assert.equal(digests.size, 6);
  });
});
