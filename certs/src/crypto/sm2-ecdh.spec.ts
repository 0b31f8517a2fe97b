import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm2Ecdh } from "./sm2-ecdh.js";
import { generateSm2PrivateKey } from "./sm2-key.js";

describe("sm2Ecdh", () => {
  it("gives both sides the same 32-byte secret, and different pairs different secrets", () => {
    const a = generateSm2PrivateKey();
    const b = generateSm2PrivateKey();
    const c = generateSm2PrivateKey();
    const ab = sm2Ecdh(a, b.publicKey);
    assert.equal(ab.length, 32);
    assert.deepEqual(ab, sm2Ecdh(b, a.publicKey));
    assert.notDeepEqual(ab, sm2Ecdh(a, c.publicKey));
  });
});
