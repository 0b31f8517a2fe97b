import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type MerkleHasher, sha256Hasher, sm3Hasher } from "./hasher.js";
import { be32Leaf, flipBit, throwsMerkle } from "./testing-merkle.js";
import { consistencyPath, treeRoot } from "./tree-hash.js";
import { verifyConsistency } from "./verify-consistency.js";

const hashers = fc.constantFrom(sm3Hasher, sha256Hasher);
const leafHashesFor = (hasher: MerkleHasher, n: number) =>
  Array.from({ length: n }, (_, i) => hasher.hashLeaf(be32Leaf(i)));
const sm3Leaves = leafHashesFor(sm3Hasher, 300);
const sha256Leaves = leafHashesFor(sha256Hasher, 300);
const leavesOf = (hasher: MerkleHasher) => (hasher === sm3Hasher ? sm3Leaves : sha256Leaves);
const rootOf = (hasher: MerkleHasher, n: number) => treeRoot(hasher, leavesOf(hasher).slice(0, n));

/** 1 <= size1 < size2 <= 300. */
const strictPair = fc
  .integer({ min: 2, max: 300 })
  .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 - 1 }), fc.constant(size2)));

describe("verifyConsistency", () => {
  it("accepts every reference proof between all sizes up to 32, and refuses it for any other size1", () => {
    for (const hasher of [sm3Hasher, sha256Hasher]) {
      const roots = Array.from({ length: 33 }, (_, n) => rootOf(hasher, n));
      for (let size2 = 0; size2 <= 32; size2++) {
        const leaves = leavesOf(hasher).slice(0, size2);
        for (let size1 = 0; size1 <= size2; size1++) {
          const proof = consistencyPath(hasher, leaves, size1);
          verifyConsistency(hasher, size1, size2, roots[size1] as Uint8Array, roots[size2] as Uint8Array, proof);
          if (proof.length === 0) continue;
          for (let other = 1; other < size2; other++) {
            if (other === size1) continue;
            assert.throws(() =>
              verifyConsistency(hasher, other, size2, roots[other] as Uint8Array, roots[size2] as Uint8Array, proof),
            );
          }
        }
      }
    }
  });

  it("accepts reference proofs for random sizes up to 300 (property)", () => {
    fc.assert(
      fc.property(hashers, strictPair, (hasher, [size1, size2]) => {
        const proof = consistencyPath(hasher, leavesOf(hasher).slice(0, size2), size1);
        verifyConsistency(hasher, size1, size2, rootOf(hasher, size1), rootOf(hasher, size2), proof);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects any single-bit flip in the proof or either root (property)", () => {
    fc.assert(
      fc.property(
        hashers,
        strictPair,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (hasher, [size1, size2], which, bit) => {
          const proof = consistencyPath(hasher, leavesOf(hasher).slice(0, size2), size1);
          let root1 = rootOf(hasher, size1);
          let root2 = rootOf(hasher, size2);
          const slot = which % (proof.length + 2);
          if (slot === proof.length) root1 = flipBit(root1, bit);
          else if (slot === proof.length + 1) root2 = flipBit(root2, bit);
          else proof[slot] = flipBit(proof[slot] as Uint8Array, bit);
          throwsMerkle(() => verifyConsistency(hasher, size1, size2, root1, root2, proof), "root-mismatch");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("checks the proof length first", () => {
    const proof = consistencyPath(sm3Hasher, sm3Leaves.slice(0, 13), 6);
    const [r6, r13] = [rootOf(sm3Hasher, 6), rootOf(sm3Hasher, 13)];
    throwsMerkle(() => verifyConsistency(sm3Hasher, 6, 13, r6, r13, proof.slice(0, -1)), "bad-proof-length");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 6, 13, r6, r13, [...proof, r13]), "bad-proof-length");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 6, 13, r6, r13, []), "bad-proof-length");
    // size1 a power of two: the old root is not in the proof, so one hash fewer.
    const fromFour = consistencyPath(sm3Hasher, sm3Leaves.slice(0, 13), 4);
    verifyConsistency(sm3Hasher, 4, 13, rootOf(sm3Hasher, 4), r13, fromFour);
    throwsMerkle(
      () => verifyConsistency(sm3Hasher, 4, 13, rootOf(sm3Hasher, 4), r13, [rootOf(sm3Hasher, 4), ...fromFour]),
      "bad-proof-length",
    );
  });

  it("equal sizes: empty proof and equal roots", () => {
    const r5 = rootOf(sm3Hasher, 5);
    verifyConsistency(sm3Hasher, 5, 5, r5, r5, []);
    throwsMerkle(() => verifyConsistency(sm3Hasher, 5, 5, r5, rootOf(sm3Hasher, 4), []), "root-mismatch");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 5, 5, r5, r5, [r5]), "bad-proof-length");
  });

  it("size1 0: only an empty proof, root1 must be the empty root, any well-formed root2 (documented choice)", () => {
    const empty = sm3Hasher.emptyRoot();
    verifyConsistency(sm3Hasher, 0, 0, empty, empty, []);
    verifyConsistency(sm3Hasher, 0, 7, empty, rootOf(sm3Hasher, 7), []);
    verifyConsistency(sm3Hasher, 0, 7, empty, new Uint8Array(32).fill(9), []);
    throwsMerkle(() => verifyConsistency(sm3Hasher, 0, 7, empty, rootOf(sm3Hasher, 7), [empty]), "bad-proof-length");
    throwsMerkle(
      () => verifyConsistency(sm3Hasher, 0, 7, rootOf(sm3Hasher, 1), rootOf(sm3Hasher, 7), []),
      "root-mismatch",
    );
    throwsMerkle(
      () => verifyConsistency(sm3Hasher, 0, 0, rootOf(sm3Hasher, 1), rootOf(sm3Hasher, 1), []),
      "root-mismatch",
    );
    throwsMerkle(() => verifyConsistency(sm3Hasher, 0, 0, empty, rootOf(sm3Hasher, 1), []), "root-mismatch");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 0, 7, empty, new Uint8Array(12), []), "malformed");
    // The SHA-256 empty root is not the SM3 one.
    throwsMerkle(() => verifyConsistency(sm3Hasher, 0, 7, sha256Hasher.emptyRoot(), empty, []), "root-mismatch");
  });

  it("refuses size2 < size1 and sizes that are not safe integers", () => {
    const r = rootOf(sm3Hasher, 3);
    throwsMerkle(() => verifyConsistency(sm3Hasher, 3, 2, r, r, []), "bad-size");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 1, 0, r, r, []), "bad-size");
    throwsMerkle(() => verifyConsistency(sm3Hasher, -1, 2, r, r, []), "bad-size");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 1, 2 ** 53, r, r, [r]), "bad-size");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 1.5, 2, r, r, [r]), "bad-size");
  });

  it("refuses hashes of the wrong length", () => {
    const proof = consistencyPath(sm3Hasher, sm3Leaves.slice(0, 8), 3);
    const [r3, r8] = [rootOf(sm3Hasher, 3), rootOf(sm3Hasher, 8)];
    throwsMerkle(() => verifyConsistency(sm3Hasher, 3, 8, r3.subarray(1), r8, proof), "malformed");
    throwsMerkle(() => verifyConsistency(sm3Hasher, 3, 8, r3, new Uint8Array([...r8, 1]), proof), "malformed");
    const bad = proof.slice();
    bad[1] = new Uint8Array(0);
    throwsMerkle(() => verifyConsistency(sm3Hasher, 3, 8, r3, r8, bad), "malformed");
  });

  it("binds size2: the same proof does not verify for another new size", () => {
    const proof = consistencyPath(sm3Hasher, sm3Leaves.slice(0, 8), 6);
    const r6 = rootOf(sm3Hasher, 6);
    assert.throws(() => verifyConsistency(sm3Hasher, 6, 7, r6, rootOf(sm3Hasher, 7), proof));
    assert.throws(() => verifyConsistency(sm3Hasher, 6, 16, r6, rootOf(sm3Hasher, 16), proof));
  });
});
