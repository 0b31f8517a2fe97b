import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { isCertsError } from "../error.js";
import { hex, loadStandardVectors, toHex } from "../testing/vectors.js";
import { hmacSm3 } from "./sm3.js";
import { createSm4AeadKey, sm4AeadOverhead, sm4Open, sm4Seal } from "./sm4-aead.js";

const vectors = loadStandardVectors();

describe("SM4 block cipher (node:crypto) against GB/T 32907", () => {
  for (const v of vectors.sm4) {
    it(`encrypts the vector${v.iterations ? ` iterated ${v.iterations} times` : ""}`, () => {
      const cipher = createCipheriv("sm4-ecb", hex(v.key), null).setAutoPadding(false);
      let block: Uint8Array = hex(v.plaintext);
      for (let i = 0; i < (v.iterations ?? 1); i++) block = cipher.update(block);
      assert.equal(toHex(block), v.ciphertext.toLowerCase());
    });
  }
});

describe("sm4Seal / sm4Open", () => {
  const key = createSm4AeadKey(randomBytes(32));
  const aad = Buffer.from("ticket-v1");

  it("round-trips, with the documented overhead", () => {
    for (const size of [0, 1, 15, 16, 17, 1000]) {
      const pt = randomBytes(size);
      const sealed = sm4Seal(key, pt, aad);
      assert.equal(sealed.length, Math.floor(size / 16) * 16 + sm4AeadOverhead);
      assert.deepEqual(sm4Open(key, sealed, aad), new Uint8Array(pt));
    }
  });

  it("uses a fresh IV: sealing twice gives different bytes", () => {
    assert.notDeepEqual(sm4Seal(key, Buffer.from("x")), sm4Seal(key, Buffer.from("x")));
  });

  it("rejects any flipped bit, another AAD and another key", () => {
    const sealed = sm4Seal(key, Buffer.from("personal data"), aad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 1;
      assert.throws(
        () => sm4Open(key, bad, aad),
        (e) => isCertsError(e, "bad-signature"),
      );
    }
    assert.throws(
      () => sm4Open(key, sealed, Buffer.from("ticket-v2")),
      (e) => isCertsError(e, "bad-signature"),
    );
    assert.throws(
      () => sm4Open(createSm4AeadKey(randomBytes(32)), sealed, aad),
      (e) => isCertsError(e, "bad-signature"),
    );
  });

  it("rejects truncated input as malformed", () => {
    const sealed = sm4Seal(key, Buffer.from("abc"));
    for (const len of [0, 10, sealed.length - 1, sealed.length - 16]) {
      assert.throws(
        () => sm4Open(key, sealed.subarray(0, len)),
        (e) => isCertsError(e),
      );
    }
  });

  it("refuses a message with a valid tag over bad padding (a broken sealer) rather than return garbage", () => {
    // What sm4Seal would send if it skipped PKCS#7 padding: the tag is right, the last block is not padding.
    const iv = randomBytes(16);
    const cipher = createCipheriv("sm4-cbc", key.encKey, iv).setAutoPadding(false);
    const body = Buffer.concat([iv, cipher.update(Buffer.alloc(16, 0x41)), cipher.final()]);
    const aadLength = Buffer.alloc(8);
    aadLength.writeBigUInt64BE(BigInt(aad.length));
    const sealed = Buffer.concat([body, hmacSm3(key.macKey, aadLength, aad, body)]);
    assert.throws(
      () => sm4Open(key, sealed, aad),
      (e) => isCertsError(e, "malformed") && e.message === "SM4 padding invalid",
    );
  });

  it("refuses keys that are not 32 bytes", () => {
    assert.throws(
      () => createSm4AeadKey(randomBytes(16)),
      (e) => isCertsError(e, "invalid-argument"),
    );
  });
});
