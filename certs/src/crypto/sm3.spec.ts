import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { opensslOk } from "../testing/openssl.js";
import { hex, loadStandardVectors, toHex } from "../testing/vectors.js";
import { hkdfSm3, hmacSm3, sm3 } from "./sm3.js";

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
