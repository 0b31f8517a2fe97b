import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeCompactRange,
  emptyCompactRange,
  isMerkleError,
  sha256Hasher,
  sm3Hasher,
  treeRoot,
} from "../merkle/index.js";
import { type PlannedNode, planAppend } from "./plan-append.js";

const entry = (i: number) => new Uint8Array(Buffer.from(`entry ${i}`));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const nodeKey = (n: PlannedNode) => `${n.level}/${n.index}`;

/** Every complete node of the tree over `leaves`, by (level, index): what a store must hold. */
function allCompleteNodes(leaves: readonly Uint8Array[]): Map<string, string> {
  const out = new Map<string, string>();
  let level = leaves.map((l) => sm3Hasher.hashLeaf(l));
  for (let l = 0; level.length > 0; l++) {
    level.forEach((h, i) => {
      out.set(`${l}/${i}`, hex(h));
    });
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      up.push(sm3Hasher.hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    level = up;
  }
  return out;
}

/** Applies batches one after another, as consecutive transactions would. */
function appendInBatches(sizes: readonly number[]) {
  let range = emptyCompactRange;
  let next = 0;
  const nodes = new Map<string, string>();
  const leafHashes: string[] = [];
  let root = sm3Hasher.emptyRoot();
  for (const size of sizes) {
    const batch = Array.from({ length: size }, (_, k) => entry(next + k));
    const plan = planAppend(sm3Hasher, range, batch);
    assert.equal(plan.firstIndex, next);
    for (const n of plan.nodes) {
      assert.ok(!nodes.has(nodeKey(n)), `node ${nodeKey(n)} planned twice`);
      nodes.set(nodeKey(n), hex(n.hash));
    }
    leafHashes.push(...plan.leafHashes.map(hex));
    range = plan.range;
    root = plan.root;
    // The head row stores exactly this encoding; it must decode to the same range.
    assert.deepEqual(decodeCompactRange(plan.encodedRange), plan.range);
    next += size;
  }
  return { nodes, leafHashes, root, size: next };
}

describe("planAppend", () => {
  it("plans a batch: indices from the old size, leaf hashes of the exact bytes, the new root", () => {
    const first = planAppend(sm3Hasher, emptyCompactRange, [entry(0), entry(1), entry(2)]);
    assert.equal(first.firstIndex, 0);
    assert.equal(first.range.size, 3);
    assert.deepEqual(
      first.leafHashes.map(hex),
      [0, 1, 2].map((i) => hex(sm3Hasher.hashLeaf(entry(i)))),
    );
    assert.equal(hex(first.root), hex(treeRoot(sm3Hasher, first.leafHashes)));
    // Leaves (0,0) (0,1) (0,2) and the one parent (1,0) they complete; (1,1) is not complete yet.
    assert.deepEqual(first.nodes.map(nodeKey), ["0/0", "0/1", "1/0", "0/2"]);

    const second = planAppend(sm3Hasher, first.range, [entry(3)]);
    assert.equal(second.firstIndex, 3);
    assert.deepEqual(second.nodes.map(nodeKey), ["0/3", "1/1", "2/0"]);
  });

  it("an empty batch changes nothing", () => {
    const plan = planAppend(sm3Hasher, emptyCompactRange, []);
    assert.equal(plan.firstIndex, 0);
    assert.deepEqual(plan.nodes, []);
    assert.equal(hex(plan.root), hex(sm3Hasher.emptyRoot()));
  });

  it("uses the hasher it is given", () => {
    const sm3 = planAppend(sm3Hasher, emptyCompactRange, [entry(0)]);
    const sha = planAppend(sha256Hasher, emptyCompactRange, [entry(0)]);
    assert.notEqual(hex(sm3.root), hex(sha.root));
    assert.equal(hex(sha.root), hex(sha256Hasher.hashLeaf(entry(0))));
  });

  it("takes leaf hashes the store computed elsewhere, one per entry", () => {
    const entries = [entry(0), entry(1), entry(2)];
    const hashed = entries.map((e) => sm3Hasher.hashLeaf(e));
    const plain = planAppend(sm3Hasher, emptyCompactRange, entries);
    const pre = planAppend(sm3Hasher, emptyCompactRange, entries, hashed);
    assert.equal(hex(pre.root), hex(plain.root));
    assert.deepEqual(pre.nodes.map(nodeKey), plain.nodes.map(nodeKey));
    // The given hashes are what is planned (the store guarantees they are of these bytes).
    const other = planAppend(sm3Hasher, emptyCompactRange, entries, [hashed[0], hashed[2], hashed[1]] as Uint8Array[]);
    assert.notEqual(hex(other.root), hex(plain.root));
    assert.throws(() => planAppend(sm3Hasher, emptyCompactRange, entries, hashed.slice(1)), RangeError);
  });

  it("refuses a corrupt compact range rather than planning on it", () => {
    const bad = { size: 3, hashes: [sm3Hasher.hashLeaf(entry(0))] };
    assert.throws(
      () => planAppend(sm3Hasher, bad, [entry(3)]),
      (e: unknown) => isMerkleError(e),
    );
  });

  it("property: however appends are split into batches, the same nodes, leaf hashes and root result", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        const batched = appendInBatches(sizes);
        const single = appendInBatches([batched.size]);
        assert.deepEqual(batched.leafHashes, single.leafHashes);
        assert.equal(hex(batched.root), hex(single.root));
        assert.deepEqual(batched.nodes, single.nodes);
        // And those nodes are exactly every complete node of the tree, each with its right hash.
        const leaves = Array.from({ length: batched.size }, (_, i) => entry(i));
        assert.deepEqual(batched.nodes, allCompleteNodes(leaves));
        assert.equal(
          hex(batched.root),
          hex(
            treeRoot(
              sm3Hasher,
              leaves.map((l) => sm3Hasher.hashLeaf(l)),
            ),
          ),
        );
      }),
      { numRuns: 60 },
    );
  });
});
