import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import { signatureMatches, signedText, signRequest } from "./request-signature.js";

const secret = Buffer.from("00112233445566778899aabbccddeeff", "hex");
const body = Buffer.from('{"a":1}');

describe("the request signature", () => {
  it("covers the method in capitals, the path, the timestamp, the nonce and the body's SM3, one per line", () => {
    const text = signedText("post", "/p/v1/x", "1700000000000", "nonce-123", body);
    assert.deepEqual(text.split("\n"), [
      "POST",
      "/p/v1/x",
      "1700000000000",
      "nonce-123",
      Buffer.from(sm3(body)).toString("hex"),
    ]);
  });

  it("is 64 lowercase hex digits, the same for the same inputs, another for any other", () => {
    const base = ["POST", "/p/v1/x", "1700000000000", "nonce-123"] as const;
    const sig = signRequest(secret, ...base, body);
    assert.match(sig, /^[0-9a-f]{64}$/);
    assert.equal(signRequest(secret, ...base, body), sig);
    const others = [
      signRequest(Buffer.from("ff", "hex"), ...base, body),
      signRequest(secret, "GET", "/p/v1/x", "1700000000000", "nonce-123", body),
      signRequest(secret, "POST", "/p/v1/y", "1700000000000", "nonce-123", body),
      signRequest(secret, "POST", "/p/v1/x", "1700000000001", "nonce-123", body),
      signRequest(secret, "POST", "/p/v1/x", "1700000000000", "nonce-124", body),
      signRequest(secret, ...base, Buffer.from('{"a":2}')),
    ];
    for (const other of others) assert.notEqual(other, sig);
  });

  it("matches only the exact lowercase signature", () => {
    const sig = signRequest(secret, "POST", "/p", "1", "nonce-123", body);
    assert.equal(signatureMatches(sig, sig), true);
    assert.equal(signatureMatches(sig, sig.toUpperCase()), false);
    assert.equal(signatureMatches(sig, sig.slice(0, 62)), false);
    assert.equal(signatureMatches(sig, `${sig.slice(0, 63)}${sig.endsWith("0") ? "1" : "0"}`), false);
  });
});
