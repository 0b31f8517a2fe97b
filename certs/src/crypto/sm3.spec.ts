import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { opensslOk } from "../testing/openssl.js";
import { hex, loadStandardVectors, toHex } from "../testing/vectors.js";
import { isNativeBackendAvailable } from "./native-backend.js";
import { hkdfSm3, hmacSm3, hmacSm3OverDigest, hmacSm3OverDigestJs, sm3 } from "./sm3.js";

const vectors = loadStandardVectors();

describe("sm3", () => {
  for (const v of vectors.sm3) {
    it(`hashes the GB/T 32905 vector "${v.input_ascii.slice(0, 16)}…"`, () => {
      assert.equal(toHex(sm3(Buffer.from(v.input_ascii))), v.digest.toLowerCase());
    });
  }

  it("hashes the concatenation of its parts", () => {
    assert.deepEqual(sm3(Buffer.from("ab"), Buffer.from("c")), sm3(Buffer.from("abc")));
  });
});

describe("hmacSm3", () => {
  it("matches openssl mac HMAC with SM3", () => {
    const key = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    const data = Buffer.from("Hi There");
    const out = opensslOk(["mac", "-digest", "SM3", "-macopt", `hexkey:${toHex(key)}`, "HMAC"], data);
    assert.equal(toHex(hmacSm3(key, data)), out.trim().toLowerCase());
  });
});

describe("hmacSm3OverDigest", () => {
  it("is HMAC-SM3 over the parts and the SM3 of the message, as openssl computes it", () => {
    const key = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    const parts = [Buffer.from("hutong label"), Buffer.from("/a.B/C\0")];
    const message = Buffer.alloc(300, 7);
    const input = Buffer.concat([...parts, sm3(message)]);
    const out = opensslOk(["mac", "-digest", "SM3", "-macopt", `hexkey:${toHex(key)}`, "HMAC"], input);
    assert.equal(toHex(hmacSm3OverDigest(key, parts, message)), out.trim().toLowerCase());
    assert.equal(toHex(hmacSm3OverDigestJs(key, parts, message)), out.trim().toLowerCase());
  });

  it("gives the same bytes through the native addon as through node:crypto (keys and messages of any length)", (t) => {
    if (!isNativeBackendAvailable()) {
      t.skip("native addon not built");
      return;
    }
    const bytes = (max: number) => fc.uint8Array({ maxLength: max });
    fc.assert(
      fc.property(bytes(150), fc.array(bytes(80), { maxLength: 6 }), bytes(700), (key, parts, message) => {
        assert.deepEqual(
          Buffer.from(hmacSm3OverDigest(key, parts, message)),
          Buffer.from(hmacSm3OverDigestJs(key, parts, message)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("takes any number of parts: past the addon's six, through node:crypto, to the same HMAC", () => {
    const key = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    const message = Buffer.from("request bytes");
    for (const count of [6, 7, 12]) {
      const parts = Array.from({ length: count }, (_, i) => Uint8Array.of(i, i));
      const mac = hmacSm3OverDigest(key, parts, message);
      assert.equal(toHex(mac), toHex(hmacSm3(key, ...parts, sm3(message))), `${count} parts`);
    }
  });

  it("refuses what is not bytes instead of hashing garbage", (t) => {
    if (!isNativeBackendAvailable()) {
      t.skip("native addon not built");
      return;
    }
    assert.throws(
      () => hmacSm3OverDigest(Buffer.alloc(32), ["x" as unknown as Uint8Array], Buffer.alloc(1)),
      /Uint8Array/,
    );
  });
});

describe("hkdfSm3", () => {
  it("matches openssl kdf HKDF with SM3", () => {
    const ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    const salt = hex("000102030405060708090a0b0c");
    const info = hex("f0f1f2f3f4f5f6f7f8f9");
    const out = opensslOk([
      "kdf",
      "-keylen",
      "42",
      "-kdfopt",
      "digest:SM3",
      "-kdfopt",
      `hexkey:${toHex(ikm)}`,
      "-kdfopt",
      `hexsalt:${toHex(salt)}`,
      "-kdfopt",
      `hexinfo:${toHex(info)}`,
      "HKDF",
    ]);
    assert.equal(toHex(hkdfSm3(ikm, salt, info, 42)), out.trim().replaceAll(":", "").toLowerCase());
  });
});
