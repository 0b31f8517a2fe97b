import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256Hasher, sm3Hasher } from "./hasher.js";
import { ct8Leaves, fromHex, throwsMerkle, toHex } from "./testing-merkle.js";
import { abbreviate, publishedSha256, publishedSm3 } from "./testing-published-vectors.js";
import { consistencyPath, inclusionPath, treeRoot } from "./tree-hash.js";

describe("reference tree hashing (RFC 9162 MTH, PATH, PROOF)", () => {
  const sha = ct8Leaves.map((l) => sha256Hasher.hashLeaf(l));
  const sm = ct8Leaves.map((l) => sm3Hasher.hashLeaf(l));

  it("SHA-256 roots of the 8-leaf tree for sizes 0..8 equal the published ones", () => {
    assert.deepEqual(
      publishedSha256.ct8Roots.map((_, n) => toHex(treeRoot(sha256Hasher, sha.slice(0, n)))),
      publishedSha256.ct8Roots,
    );
  });

  it("SM3 roots of the 8-leaf tree for sizes 0..8 equal the B.7 ones", () => {
    assert.deepEqual(
      publishedSm3.ct8Roots.map((_, n) => toHex(treeRoot(sm3Hasher, sm.slice(0, n)))),
      publishedSm3.ct8Roots,
    );
  });

  for (const v of publishedSha256.inclusionProofs) {
    it(`SHA-256 PATH(${v.index}, D[${v.size}]) equals the published proof`, () => {
      assert.deepEqual(inclusionPath(sha256Hasher, sha.slice(0, v.size), v.index).map(toHex), v.proof);
    });
  }

  for (const v of publishedSha256.consistencyProofs) {
    it(`SHA-256 PROOF(${v.size1}, D[${v.size2}]) equals the published proof`, () => {
      assert.deepEqual(consistencyPath(sha256Hasher, sha.slice(0, v.size2), v.size1).map(toHex), v.proof);
    });
  }

  it("SM3 PATH(0, D8) and PROOF(6, D8) match the (abbreviated) B.7 values", () => {
    assert.deepEqual(inclusionPath(sm3Hasher, sm, 0).map(toHex).map(abbreviate), publishedSm3.inclusionLeaf0Size8);
    const proof = consistencyPath(sm3Hasher, sm, 6).map(toHex);
    assert.deepEqual(proof.map(abbreviate), publishedSm3.consistency6To8);
    // The last element is the size-4 root, known in full.
    assert.equal(proof[2], publishedSm3.ct8Roots[4]);
  });

  it("a one-leaf tree's root is its leaf hash (a copy), and the empty tree's is HASH('')", () => {
    const root = treeRoot(sm3Hasher, [sm[3] as Uint8Array]);
    assert.deepEqual(root, sm[3]);
    root.fill(0);
    assert.notDeepEqual(sm[3], root);
    assert.deepEqual(treeRoot(sm3Hasher, []), fromHex(publishedSm3.ct8Roots[0] as string));
  });

  it("consistency from 0 or to the same size is empty (our convention)", () => {
    assert.deepEqual(consistencyPath(sm3Hasher, sm, 0), []);
    assert.deepEqual(consistencyPath(sm3Hasher, sm, 8), []);
    assert.deepEqual(consistencyPath(sm3Hasher, [], 0), []);
  });

  it("refuses out-of-range arguments", () => {
    throwsMerkle(() => inclusionPath(sm3Hasher, sm, 8), "index-out-of-range");
    throwsMerkle(() => inclusionPath(sm3Hasher, sm, -1), "index-out-of-range");
    throwsMerkle(() => inclusionPath(sm3Hasher, sm, 1.5), "index-out-of-range");
    throwsMerkle(() => inclusionPath(sm3Hasher, [], 0), "index-out-of-range");
    throwsMerkle(() => consistencyPath(sm3Hasher, sm, 9), "bad-size");
    throwsMerkle(() => consistencyPath(sm3Hasher, sm, -1), "bad-size");
    throwsMerkle(() => consistencyPath(sm3Hasher, sm, Number.NaN), "bad-size");
  });
});
