import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { describe, it } from "node:test";
import { nonceMemoryMs, RequestAuthenticator, timestampWindowMs } from "./request-authenticator.js";
import { signRequest } from "./request-signature.js";
import { testAppKey, testAppKeys, testCodes, testHeaders, testSecretHex } from "./testing-partner.js";

const path = "/p/v1/thing";
const body = Buffer.from('{"id":"x"}');
const t0 = 1_800_000_000_000;

function authenticator() {
  return new RequestAuthenticator({ appKeys: testAppKeys, headers: testHeaders, codes: testCodes });
}

/** The headers of a request signed at `timestamp` with `nonce`. */
function signed(nonce: string, timestamp = t0, secretHex = testSecretHex, signedBody = body): IncomingHttpHeaders {
  return {
    [testHeaders.appKey]: testAppKey,
    [testHeaders.timestamp]: String(timestamp),
    [testHeaders.nonce]: nonce,
    [testHeaders.signature]: signRequest(
      Buffer.from(secretHex, "hex"),
      "POST",
      path,
      String(timestamp),
      nonce,
      signedBody,
    ),
  };
}

describe("the request authenticator", () => {
  it("accepts an authentic fresh request, within the window either way", () => {
    const auth = authenticator();
    assert.equal(auth.check("POST", path, signed("nonce-0001"), body, t0), undefined);
    assert.equal(auth.check("POST", path, signed("nonce-0002", t0 - timestampWindowMs), body, t0), undefined);
    assert.equal(auth.check("POST", path, signed("nonce-0003", t0 + timestampWindowMs), body, t0), undefined);
  });

  it("refuses an unknown or missing app key with the unknown-key code", () => {
    const auth = authenticator();
    const headers = signed("nonce-0001");
    assert.equal(
      auth.check("POST", path, { ...headers, [testHeaders.appKey]: "other" }, body, t0)?.code,
      testCodes.unknownAppKey,
    );
    const { [testHeaders.appKey]: _, ...noKey } = headers;
    assert.equal(auth.check("POST", path, noKey, body, t0)?.code, testCodes.unknownAppKey);
  });

  it("reads the header names it is given, not another channel's", () => {
    const headers = signed("nonce-0001");
    const renamed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace("x-test-", "x-tax-"), v]));
    assert.equal(authenticator().check("POST", path, renamed, body, t0)?.code, testCodes.unknownAppKey);
  });

  it("refuses a stale, future or non-numeric timestamp with the stale code", () => {
    const auth = authenticator();
    for (const ts of [t0 - timestampWindowMs - 1, t0 + timestampWindowMs + 1]) {
      assert.equal(auth.check("POST", path, signed("nonce-0001", ts), body, t0)?.code, testCodes.staleTimestamp);
    }
    const headers = { ...signed("nonce-0002"), [testHeaders.timestamp]: "soon" };
    assert.equal(auth.check("POST", path, headers, body, t0)?.code, testCodes.staleTimestamp);
  });

  it("refuses a wrong secret, another body, path or method, and a malformed nonce or signature", () => {
    const auth = authenticator();
    const bad = (headers: IncomingHttpHeaders, method = "POST", p = path, b = body) =>
      auth.check(method, p, headers, b, t0)?.code;
    assert.equal(bad(signed("nonce-0001", t0, "cd".repeat(32))), testCodes.badSignature);
    assert.equal(bad(signed("nonce-0002"), "POST", path, Buffer.from('{"id":"y"}')), testCodes.badSignature);
    assert.equal(bad(signed("nonce-0003"), "POST", "/p/v1/other"), testCodes.badSignature);
    assert.equal(bad(signed("nonce-0004"), "PUT"), testCodes.badSignature);
    assert.equal(bad({ ...signed("nonce-0005"), [testHeaders.signature]: "00" }), testCodes.badSignature);
    assert.equal(bad(signed("short")), testCodes.badSignature);
    const { [testHeaders.nonce]: _, ...noNonce } = signed("nonce-0006");
    assert.equal(bad(noNonce), testCodes.badSignature);
  });

  it("refuses a nonce reused by the same key until it is forgotten", () => {
    const auth = authenticator();
    assert.equal(auth.check("POST", path, signed("nonce-0001"), body, t0), undefined);
    const again = auth.check("POST", path, signed("nonce-0001", t0 + 1000), body, t0 + 1000);
    assert.equal(again?.code, testCodes.nonceReused);
    const later = t0 + nonceMemoryMs + 1;
    assert.equal(auth.check("POST", path, signed("nonce-0001", later), body, later), undefined);
  });

  it("does not let a forged request burn a nonce", () => {
    const auth = authenticator();
    const headers = signed("nonce-0001");
    const forged = auth.check("POST", path, { ...headers, [testHeaders.signature]: "0".repeat(64) }, body, t0);
    assert.equal(forged?.code, testCodes.badSignature);
    assert.equal(auth.check("POST", path, headers, body, t0), undefined);
  });

  it("refuses a secret that is not hex", () => {
    assert.throws(
      () => new RequestAuthenticator({ appKeys: { k: "xyz" }, headers: testHeaders, codes: testCodes }),
      TypeError,
    );
  });
});
