import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type MerkleHashName, sha256Hasher, sm3Hasher } from "./hasher.js";
import type { NodeId } from "./node-id.js";
import { consistencyProofPlan, inclusionProofPlan } from "./proof-plan.js";
import { runPlan, type StoredTree, storeTree, throwsMerkle } from "./testing-merkle.js";
import { consistencyPath, inclusionPath } from "./tree-hash.js";

const hashers = fc.constantFrom(sm3Hasher, sha256Hasher);
const fake = (byte: number) => new Uint8Array(32).fill(byte);

// One stored tree per hash, reused by every property: what a store holds after
// 300 appends, with each node captured from appendLeaf's onNode.
const maxSize = 300;
const stored = new Map([sm3Hasher, sha256Hasher].map((h) => [h.name, storeTree(h, maxSize)] as const));
const treeFor = (name: MerkleHashName) => stored.get(name) as StoredTree;

/** Every node of a plan must be a perfect subtree complete within `size`. */
function assertComplete(nodes: readonly NodeId[], size: number): void {
  for (const { level, index } of nodes) {
    assert.ok(Number.isSafeInteger(index) && index >= 0, `bad index ${index}`);
    assert.ok((index + 1) * 2 ** level <= size, `node (${level}, ${index}) is not complete in a tree of ${size}`);
  }
}

describe("proof plans from stored nodes", () => {
  it("inclusion plans rebuild exactly the reference PATH, for every index of every size up to 64", () => {
    for (const hasher of [sm3Hasher, sha256Hasher]) {
      const tree = treeFor(hasher.name);
      for (let size = 1; size <= 64; size++) {
        const leaves = tree.leafHashes.slice(0, size);
        for (let index = 0; index < size; index++) {
          const plan = inclusionProofPlan(index, size);
          assertComplete(plan.nodes, size);
          assert.deepEqual(runPlan(hasher, tree, plan), inclusionPath(hasher, leaves, index), `${index}/${size}`);
        }
      }
    }
  });

  it("consistency plans rebuild exactly the reference PROOF, for every pair of sizes up to 64", () => {
    for (const hasher of [sm3Hasher, sha256Hasher]) {
      const tree = treeFor(hasher.name);
      for (let size2 = 0; size2 <= 64; size2++) {
        const leaves = tree.leafHashes.slice(0, size2);
        for (let size1 = 0; size1 <= size2; size1++) {
          const plan = consistencyProofPlan(size1, size2);
          assertComplete(plan.nodes, size2);
          assert.deepEqual(runPlan(hasher, tree, plan), consistencyPath(hasher, leaves, size1), `${size1}->${size2}`);
        }
      }
    }
  });

  it("inclusion plans match the reference for random sizes up to 300, every index (property)", () => {
    fc.assert(
      fc.property(hashers, fc.integer({ min: 65, max: maxSize }), (hasher, size) => {
        const tree = treeFor(hasher.name);
        const leaves = tree.leafHashes.slice(0, size);
        for (let index = 0; index < size; index++) {
          assert.deepEqual(
            runPlan(hasher, tree, inclusionProofPlan(index, size)),
            inclusionPath(hasher, leaves, index),
          );
        }
      }),
      { numRuns: 10 },
    );
  });

  it("consistency plans match the reference for random sizes up to 300, every older size (property)", () => {
    fc.assert(
      fc.property(hashers, fc.integer({ min: 65, max: maxSize }), (hasher, size2) => {
        const tree = treeFor(hasher.name);
        const leaves = tree.leafHashes.slice(0, size2);
        for (let size1 = 0; size1 <= size2; size1++) {
          const proof = runPlan(hasher, tree, consistencyProofPlan(size1, size2));
          assert.deepEqual(proof, consistencyPath(hasher, leaves, size1));
        }
      }),
      { numRuns: 10 },
    );
  });

  it("folds the right border from its stored subtrees into one ephemeral proof hash", () => {
    // Leaf 0 of 13 = 8 + 4 + 1 leaves: siblings (0,1), (1,1), (2,1) up to the fork
    // (3,0); then the border [8, 13), not stored, rebuilt from (2,2) and (0,12).
    const plan = inclusionProofPlan(0, 13);
    assert.deepEqual(plan.nodes, [
      { level: 0, index: 1 },
      { level: 1, index: 1 },
      { level: 2, index: 1 },
      { level: 0, index: 12 },
      { level: 2, index: 2 },
    ]);
    const hashes = plan.nodes.map((_, i) => fake(i));
    const proof = plan.rehash(sm3Hasher, hashes);
    assert.equal(proof.length, 4);
    assert.deepEqual(proof.slice(0, 3), hashes.slice(0, 3));
    assert.deepEqual(proof[3], sm3Hasher.hashChildren(fake(4), fake(3)));
  });

  it("leaves the old root out of a consistency proof when size1 is a power of two", () => {
    assert.deepEqual(consistencyProofPlan(4, 8).nodes, [{ level: 2, index: 1 }]);
    assert.deepEqual(consistencyProofPlan(6, 8).nodes, [
      { level: 1, index: 2 },
      { level: 1, index: 3 },
      { level: 2, index: 0 },
    ]);
  });

  it("plans huge trees with exact index maths (beyond 32 bits)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (size, where) => {
          const index = Math.min(size - 1, Math.floor(where * size));
          const plan = inclusionProofPlan(index, size);
          assertComplete(plan.nodes, size);
          // The decomposition length (RFC 9162 via transparency-dev): inner + border.
          const inner = (BigInt(index) ^ BigInt(size - 1)).toString(2).replace(/^0+/, "").length;
          const border = (BigInt(index) >> BigInt(inner)).toString(2).replaceAll("0", "").length;
          const proof = plan.rehash(
            sm3Hasher,
            plan.nodes.map((_, i) => fake(i)),
          );
          assert.equal(proof.length, inner + border);
          assert.ok(plan.nodes.length <= 2 * 53);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("plans huge consistency proofs with complete nodes only", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (a, b) => {
          const [size1, size2] = a <= b ? [a, b] : [b, a];
          assertComplete(consistencyProofPlan(size1, size2).nodes, size2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("empty plans for size1 0 or equal sizes", () => {
    for (const [a, b] of [
      [0, 0],
      [0, 9],
      [9, 9],
    ] as const) {
      const plan = consistencyProofPlan(a, b);
      assert.deepEqual(plan.nodes, []);
      assert.deepEqual(plan.rehash(sm3Hasher, []), []);
      throwsMerkle(() => plan.rehash(sm3Hasher, [fake(1)]), "malformed");
    }
  });

  it("refuses out-of-range arguments", () => {
    throwsMerkle(() => inclusionProofPlan(0, 0), "index-out-of-range");
    throwsMerkle(() => inclusionProofPlan(5, 5), "index-out-of-range");
    throwsMerkle(() => inclusionProofPlan(-1, 5), "index-out-of-range");
    throwsMerkle(() => inclusionProofPlan(0.5, 5), "index-out-of-range");
    throwsMerkle(() => inclusionProofPlan(0, -1), "bad-size");
    throwsMerkle(() => inclusionProofPlan(0, 2 ** 53), "bad-size");
    throwsMerkle(() => inclusionProofPlan(0, Number.POSITIVE_INFINITY), "bad-size");
    throwsMerkle(() => consistencyProofPlan(5, 4), "bad-size");
    throwsMerkle(() => consistencyProofPlan(-1, 4), "bad-size");
    throwsMerkle(() => consistencyProofPlan(1, 2 ** 53), "bad-size");
    throwsMerkle(() => consistencyProofPlan(1, Number.NaN), "bad-size");
  });

  it("rehash refuses the wrong number of hashes or hashes of the wrong length", () => {
    const plan = inclusionProofPlan(3, 8);
    const hashes = plan.nodes.map((_, i) => fake(i));
    throwsMerkle(() => plan.rehash(sm3Hasher, hashes.slice(1)), "malformed");
    throwsMerkle(() => plan.rehash(sm3Hasher, [...hashes, fake(9)]), "malformed");
    throwsMerkle(() => plan.rehash(sm3Hasher, [new Uint8Array(31), ...hashes.slice(1)]), "malformed");
  });

  it("rehash hands out copies, not the fetched arrays", () => {
    const plan = inclusionProofPlan(0, 2);
    const fetched = [fake(5)];
    const proof = plan.rehash(sm3Hasher, fetched);
    (proof[0] as Uint8Array).fill(0);
    assert.deepEqual(fetched[0], fake(5));
  });
});
