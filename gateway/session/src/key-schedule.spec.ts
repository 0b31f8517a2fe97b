import assert from "node:assert/strict";
import { hkdfSync, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { utf8 } from "./canonical-encoding.js";
import { deriveMasterSecret, deriveSessionKeys } from "./key-schedule.js";
import { labels } from "./protocol-constants.js";

// node:crypto's HKDF is the oracle: the key schedule writes HKDF-SM3 out with HMAC-SM3 for speed.
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) =>
  new Uint8Array(hkdfSync("sm3", ikm, salt, info, length));

describe("key schedule (HKDF-SM3 written out with HMAC-SM3)", () => {
  it("derives the master secret exactly as HKDF-SM3 does", () => {
    for (let i = 0; i < 20; i++) {
      const [x, cr, sr, h1] = [randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32)];
      const expected = hkdf(x, Buffer.concat([cr, sr]), Buffer.concat([utf8(labels.master), h1]), 32);
      assert.deepEqual(deriveMasterSecret(x, cr, sr, h1), expected);
    }
  });

  it("derives the four session keys exactly as HKDF-SM3 with an empty salt does, at their lengths", () => {
    for (let i = 0; i < 20; i++) {
      const master = randomBytes(32);
      const keys = deriveSessionKeys(master);
      const empty = new Uint8Array(0);
      assert.deepEqual(keys.c2s, hkdf(master, empty, utf8(labels.c2sMac), 32));
      assert.deepEqual(keys.s2c, hkdf(master, empty, utf8(labels.s2cMac), 32));
      assert.deepEqual(keys.c2sEnc, hkdf(master, empty, utf8(labels.c2sEnc), 16));
      assert.deepEqual(keys.s2cEnc, hkdf(master, empty, utf8(labels.s2cEnc), 16));
      // A 16-byte key owns exactly 16 bytes (nothing of the 32-byte block behind it).
      assert.equal(keys.c2sEnc.buffer.byteLength, 16);
    }
  });
});
