import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3Hasher } from "./hasher.js";
import { isMerkleError } from "./merkle-error.js";
import { checkHashLength, checkProofHashes, sameHash } from "./proof-chain.js";

describe("proof-chain helpers", () => {
  it("sameHash: equal only for the same bytes; a prefix of a hash is not the hash", () => {
    const h = sm3Hasher.hashLeaf(new Uint8Array([1]));
    assert.equal(sameHash(h, Uint8Array.from(h)), true);
    assert.equal(sameHash(h, h.subarray(0, 31)), false);
    assert.equal(sameHash(h.subarray(0, 31), h), false);
    assert.equal(sameHash(h, Uint8Array.from([...h, 0])), false);
    const last = Uint8Array.from(h);
    last[31] = (last[31] ?? 0) ^ 1;
    assert.equal(sameHash(h, last), false);
    assert.equal(sameHash(new Uint8Array(0), new Uint8Array(0)), true);
  });

  it("length checks name the offending hash", () => {
    assert.throws(
      () => checkHashLength(sm3Hasher, new Uint8Array(31), "root"),
      (e) => isMerkleError(e, "malformed") && e.message === "root is 31 bytes, not 32",
    );
    assert.throws(
      () => checkProofHashes(sm3Hasher, [new Uint8Array(32), new Uint8Array(33)]),
      (e) => isMerkleError(e, "malformed") && /^proof\[1\]/.test(e.message),
    );
  });
});
