import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sha256Hasher, sm3Hasher } from "./hasher.js";
import { isMerkleError } from "./merkle-error.js";
import { be32Leaf, flipBit, throwsMerkle } from "./testing-merkle.js";
import { inclusionPath, treeRoot } from "./tree-hash.js";
import { rootFromInclusionProof, verifyInclusion } from "./verify-inclusion.js";

const hashers = fc.constantFrom(sm3Hasher, sha256Hasher);
const leafHashesFor = (hasher: typeof sm3Hasher, n: number) =>
  Array.from({ length: n }, (_, i) => hasher.hashLeaf(be32Leaf(i)));
const sm3Leaves = leafHashesFor(sm3Hasher, 300);
const sha256Leaves = leafHashesFor(sha256Hasher, 300);
const leavesOf = (hasher: typeof sm3Hasher) => (hasher === sm3Hasher ? sm3Leaves : sha256Leaves);

/** size in 1..300 and an index below it. */
const sizeAndIndex = fc
  .integer({ min: 1, max: 300 })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));

describe("verifyInclusion", () => {
  it("accepts every reference proof of every leaf of trees up to 32 leaves, and only at its own index", () => {
    for (const hasher of [sm3Hasher, sha256Hasher]) {
      for (let size = 1; size <= 32; size++) {
        const leaves = leavesOf(hasher).slice(0, size);
        const root = treeRoot(hasher, leaves);
        for (let index = 0; index < size; index++) {
          const proof = inclusionPath(hasher, leaves, index);
          const leaf = leaves[index] as Uint8Array;
          verifyInclusion(hasher, index, size, leaf, proof, root);
          assert.deepEqual(rootFromInclusionProof(hasher, index, size, leaf, proof), root);
          for (let other = 0; other < size; other++) {
            if (other !== index) assert.throws(() => verifyInclusion(hasher, other, size, leaf, proof, root));
          }
        }
      }
    }
  });

  it("accepts reference proofs for random sizes up to 300 (property)", () => {
    fc.assert(
      fc.property(hashers, sizeAndIndex, (hasher, [size, index]) => {
        const leaves = leavesOf(hasher).slice(0, size);
        verifyInclusion(
          hasher,
          index,
          size,
          leaves[index] as Uint8Array,
          inclusionPath(hasher, leaves, index),
          treeRoot(hasher, leaves),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("rejects any single-bit flip in the proof, the leaf hash or the root (property)", () => {
    fc.assert(
      fc.property(
        hashers,
        sizeAndIndex,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (hasher, [size, index], which, bit) => {
          const leaves = leavesOf(hasher).slice(0, size);
          const proof = inclusionPath(hasher, leaves, index);
          let leaf = leaves[index] as Uint8Array;
          let root = treeRoot(hasher, leaves);
          const slot = which % (proof.length + 2);
          if (slot === proof.length) leaf = flipBit(leaf, bit);
          else if (slot === proof.length + 1) root = flipBit(root, bit);
          else proof[slot] = flipBit(proof[slot] as Uint8Array, bit);
          throwsMerkle(() => verifyInclusion(hasher, index, size, leaf, proof, root), "root-mismatch");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("checks the proof length before hashing", () => {
    const leaves = sm3Leaves.slice(0, 13);
    const root = treeRoot(sm3Hasher, leaves);
    const proof = inclusionPath(sm3Hasher, leaves, 5);
    const leaf = leaves[5] as Uint8Array;
    throwsMerkle(() => verifyInclusion(sm3Hasher, 5, 13, leaf, proof.slice(1), root), "bad-proof-length");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 5, 13, leaf, [...proof, root], root), "bad-proof-length");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 5, 13, leaf, [], root), "bad-proof-length");
    // A doubled or halved tree size always changes the proof's shape (vector mutations treeSize mul/div @2).
    throwsMerkle(() => verifyInclusion(sm3Hasher, 5, 26, leaf, proof, root), "bad-proof-length");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 5, 6, leaf, proof, root), "bad-proof-length");
  });

  it("refuses hashes of the wrong length", () => {
    const leaves = sm3Leaves.slice(0, 4);
    const root = treeRoot(sm3Hasher, leaves);
    const proof = inclusionPath(sm3Hasher, leaves, 1);
    const leaf = leaves[1] as Uint8Array;
    throwsMerkle(() => verifyInclusion(sm3Hasher, 1, 4, leaf.subarray(1), proof, root), "malformed");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 1, 4, leaf, proof, new Uint8Array([...root, 0])), "malformed");
    throwsMerkle(
      () => verifyInclusion(sm3Hasher, 1, 4, leaf, [proof[0] as Uint8Array, new Uint8Array(0)], root),
      "malformed",
    );
    // A one-leaf tree: the proof is empty and the root is the leaf hash itself.
    throwsMerkle(() => verifyInclusion(sm3Hasher, 0, 1, new Uint8Array(0), [], new Uint8Array(0)), "malformed");
  });

  it("refuses indices and sizes out of range", () => {
    const leaf = sm3Leaves[0] as Uint8Array;
    throwsMerkle(() => verifyInclusion(sm3Hasher, 0, 0, leaf, [], sm3Hasher.emptyRoot()), "index-out-of-range");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 1, 1, leaf, [], leaf), "index-out-of-range");
    throwsMerkle(() => verifyInclusion(sm3Hasher, -1, 1, leaf, [], leaf), "index-out-of-range");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 0.5, 1, leaf, [], leaf), "index-out-of-range");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 0, 1.5, leaf, [], leaf), "bad-size");
    throwsMerkle(() => verifyInclusion(sm3Hasher, 0, 2 ** 53, leaf, [], leaf), "bad-size");
    throwsMerkle(() => rootFromInclusionProof(sm3Hasher, 0, -3, leaf, []), "bad-size");
  });

  it("works on indices beyond 32 bits (proof shape only)", () => {
    // Leaf 2^40 + 3 of a tree of 2^41 leaves: 41 inner hashes, no border.
    const index = 2 ** 40 + 3;
    const proof = Array.from({ length: 41 }, (_, i) => sm3Hasher.hashLeaf(be32Leaf(i)));
    const root = rootFromInclusionProof(sm3Hasher, index, 2 ** 41, sm3Leaves[0] as Uint8Array, proof);
    verifyInclusion(sm3Hasher, index, 2 ** 41, sm3Leaves[0] as Uint8Array, proof, root);
    // The same proof at an index differing only in bit 40 must lead elsewhere.
    throwsMerkle(
      () => verifyInclusion(sm3Hasher, 3, 2 ** 41, sm3Leaves[0] as Uint8Array, proof, root),
      "root-mismatch",
    );
    throwsMerkle(
      () => verifyInclusion(sm3Hasher, index, 2 ** 41, sm3Leaves[0] as Uint8Array, proof.slice(1), root),
      "bad-proof-length",
    );
  });

  it("returns a copy of the leaf hash as the root of a one-leaf tree", () => {
    const leaf = (sm3Leaves[0] as Uint8Array).slice();
    const root = rootFromInclusionProof(sm3Hasher, 0, 1, leaf, []);
    root.fill(0);
    assert.deepEqual(leaf, sm3Leaves[0]);
  });

  it("throws only MerkleError, whatever the input (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 40 }),
        fc.integer({ min: -2, max: 40 }),
        fc.array(fc.uint8Array({ minLength: 30, maxLength: 33 }), { maxLength: 8 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        (index, size, proof, root) => {
          try {
            verifyInclusion(sm3Hasher, index, size, sm3Leaves[0] as Uint8Array, proof, root);
          } catch (error) {
            assert.ok(isMerkleError(error), String(error));
            return;
          }
          assert.fail("an arbitrary proof verified");
        },
      ),
      { numRuns: 300 },
    );
  });
});
