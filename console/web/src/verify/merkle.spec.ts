import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { inclusionPath, sm3Hasher, treeRoot } from "@hutong/audit";
import { leafHash, nodeHash, rootFromInclusionProof, verifyInclusion } from "./merkle.js";
import { isVerifyFailure } from "./verify-failure.js";

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isVerifyFailure(e)) return e.reason;
    throw e;
  }
  return "none";
};

/** xs[i], asserted present (specs index fixtures they built). */
function at<T>(xs: readonly T[] | undefined, i: number): T {
  const v = xs?.[i < 0 ? (xs?.length ?? 0) + i : i];
  assert.ok(v !== undefined, `no element ${i}`);
  return v;
}

describe("inclusion proofs (RFC 9162 §2.1.3.2 with SM3)", () => {
  it("hashes leaves and nodes as @hutong/audit's sm3Hasher (raw bytes, not UTF-8 text)", () => {
    for (const n of [0, 1, 31, 32, 33, 200]) {
      const a = randomBytes(n);
      const b = randomBytes(32);
      assert.deepEqual(leafHash(a), sm3Hasher.hashLeaf(a));
      assert.deepEqual(nodeHash(b, b), sm3Hasher.hashChildren(b, b));
    }
    // Bytes that are not valid UTF-8 must hash as bytes.
    const bytes = Uint8Array.of(0xff, 0xfe, 0x80, 0x00);
    assert.deepEqual(leafHash(bytes), sm3Hasher.hashLeaf(bytes));
  });

  it("accepts every leaf of every tree up to 33 leaves, as @hutong/audit proves them", () => {
    for (let size = 1; size <= 33; size++) {
      const entries = Array.from({ length: size }, (_, i) => new TextEncoder().encode(`entry ${i}`));
      const leaves = entries.map((e) => sm3Hasher.hashLeaf(e));
      const root = treeRoot(sm3Hasher, leaves);
      for (let index = 0; index < size; index++) {
        const proof = inclusionPath(sm3Hasher, leaves, index);
        assert.deepEqual(verifyInclusion(index, size, at(entries, index), proof, root), leaves[index]);
        if (size > 1) {
          const other = at(entries, (index + 1) % size);
          assert.equal(
            reason(() => verifyInclusion(index, size, other, proof, root)),
            "root-mismatch",
          );
        }
      }
    }
  });

  it("refuses an index at or past the size, and a proof of the wrong length before hashing", () => {
    const leaf = sm3Hasher.hashLeaf(Uint8Array.of(1));
    assert.equal(
      reason(() => rootFromInclusionProof(3, 3, leaf, [])),
      "index-out-of-range",
    );
    assert.equal(
      reason(() => rootFromInclusionProof(-1, 3, leaf, [])),
      "index-out-of-range",
    );
    assert.equal(
      reason(() => rootFromInclusionProof(0, 2 ** 53, leaf, [])),
      "index-out-of-range",
    );
    assert.equal(
      reason(() => rootFromInclusionProof(0, 3, leaf, [leaf])),
      "bad-proof-length",
    );
    assert.equal(
      reason(() => rootFromInclusionProof(0, 2, leaf, [leaf.slice(1)])),
      "malformed-proof",
    );
  });

  it("handles indexes and sizes above 2^32 (no 32-bit bitwise truncation)", () => {
    const size = 2 ** 40 + 5;
    const index = 2 ** 33 + 3;
    const leaf = sm3Hasher.hashLeaf(Uint8Array.of(7));
    // The shape alone: 41 hashes (index and size − 1 part at bit 40; nothing on the border above).
    assert.equal(
      reason(() => rootFromInclusionProof(index, size, leaf, [])),
      "bad-proof-length",
    );
    const proof = Array.from({ length: 41 }, () => leaf);
    assert.equal(rootFromInclusionProof(index, size, leaf, proof).length, 32);
  });
});
