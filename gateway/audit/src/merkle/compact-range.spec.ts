import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  appendLeaf,
  type CompactRange,
  compactRangeRoot,
  decodeCompactRange,
  emptyCompactRange,
  encodeCompactRange,
} from "./compact-range.js";
import { sha256Hasher, sm3Hasher } from "./hasher.js";
import type { NodeId } from "./node-id.js";
import { ct8Leaves, nodeKey, storeTree, throwsMerkle, toHex } from "./testing-merkle.js";
import { treeRoot } from "./tree-hash.js";

const hashers = fc.constantFrom(sm3Hasher, sha256Hasher);
const fake = (byte: number) => new Uint8Array(32).fill(byte);

describe("compact range", () => {
  it("reaches the published SHA-256 root of the 8-leaf tree, one append at a time", () => {
    let range = emptyCompactRange;
    for (const leaf of ct8Leaves) range = appendLeaf(sha256Hasher, range, sha256Hasher.hashLeaf(leaf));
    assert.equal(
      toHex(compactRangeRoot(sha256Hasher, range)),
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    );
    assert.equal(range.size, 8);
    assert.equal(range.hashes.length, 1);
  });

  it("has the empty root when empty", () => {
    assert.deepEqual(compactRangeRoot(sm3Hasher, emptyCompactRange), sm3Hasher.emptyRoot());
    assert.equal(emptyCompactRange.size, 0);
  });

  it("root equals the reference MTH for every size up to 300 (property)", () => {
    fc.assert(
      fc.property(hashers, fc.integer({ min: 0, max: 300 }), (hasher, size) => {
        const tree = storeTree(hasher, size);
        const range = tree.ranges[size] as CompactRange;
        assert.equal(range.size, size);
        assert.deepEqual(compactRangeRoot(hasher, range), treeRoot(hasher, tree.leafHashes));
      }),
      { numRuns: 40 },
    );
  });

  it("holds one hash per set bit of the size, each the root of its perfect subtree", () => {
    const tree = storeTree(sm3Hasher, 13); // 13 = 8 + 4 + 1
    const range = tree.ranges[13] as CompactRange;
    assert.deepEqual(range.hashes, [
      treeRoot(sm3Hasher, tree.leafHashes.slice(0, 8)),
      treeRoot(sm3Hasher, tree.leafHashes.slice(8, 12)),
      tree.leafHashes[12],
    ]);
  });

  it("reports every completed node exactly once, the leaf first, and nothing incomplete", () => {
    const reported: NodeId[] = [];
    let range = emptyCompactRange;
    for (let i = 0; i < 8; i++) {
      range = appendLeaf(sm3Hasher, range, fake(i), (id) => {
        reported.push(id);
      });
      if (i === 6) {
        // The 7th append completes only the leaf: 7 = 0b111 has no merge below it.
        assert.deepEqual(reported.slice(-1), [{ level: 0, index: 6 }]);
      }
    }
    // The 8th append completes (0,7), (1,3), (2,1), (3,0), in that order.
    assert.deepEqual(reported.slice(-4), [
      { level: 0, index: 7 },
      { level: 1, index: 3 },
      { level: 2, index: 1 },
      { level: 3, index: 0 },
    ]);
    assert.equal(reported.length, 15); // 8 leaves + 4 + 2 + 1: every node of the perfect tree
    assert.equal(new Set(reported.map(nodeKey)).size, 15);
  });

  it("reports hashes that are the roots of the subtrees they name (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (size) => {
        const tree = storeTree(sm3Hasher, size);
        for (const [key, hash] of tree.nodes) {
          const [level, index] = key.split("/").map(Number) as [number, number];
          const begin = index * 2 ** level;
          assert.ok(begin + 2 ** level <= size, `node ${key} is not complete in a tree of ${size}`);
          assert.deepEqual(hash, treeRoot(sm3Hasher, tree.leafHashes.slice(begin, begin + 2 ** level)), key);
        }
        // A tree of n leaves has 2n - popcount(n) complete perfect-subtree nodes.
        assert.equal(tree.nodes.size, 2 * size - toBinaryOnes(size));
      }),
      { numRuns: 30 },
    );
  });

  it("is persistent: appending does not change the range appended to", () => {
    const one = appendLeaf(sm3Hasher, emptyCompactRange, fake(1));
    const before = encodeCompactRange(one);
    appendLeaf(sm3Hasher, one, fake(2));
    assert.deepEqual(encodeCompactRange(one), before);
    assert.equal(emptyCompactRange.size, 0);
    assert.equal(emptyCompactRange.hashes.length, 0);
  });

  it("copies the leaf hash it is given", () => {
    const leaf = fake(7);
    const range = appendLeaf(sm3Hasher, emptyCompactRange, leaf);
    leaf.fill(0);
    assert.deepEqual(range.hashes[0], fake(7));
  });

  it("works beyond 32 bits: 2^33 - 1 leaves plus one merge into a single root at level 33", () => {
    // A synthetic range (the hashes are arbitrary): what matters is the index maths.
    const size = 2 ** 33 - 1;
    const range: CompactRange = { size, hashes: Array.from({ length: 33 }, (_, i) => fake(i)) };
    const reported: NodeId[] = [];
    const next = appendLeaf(sm3Hasher, range, fake(99), (id) => {
      reported.push(id);
    });
    assert.equal(next.size, 2 ** 33);
    assert.equal(next.hashes.length, 1);
    assert.equal(reported.length, 34);
    assert.deepEqual(reported[0], { level: 0, index: size });
    assert.deepEqual(reported[33], { level: 33, index: 0 });
    assert.deepEqual(reported[20], { level: 20, index: 2 ** 13 - 1 });
  });

  it("stops at 2^53 - 1 leaves", () => {
    const size = Number.MAX_SAFE_INTEGER - 1; // 53 bits, low bit clear: 52 hashes
    const range: CompactRange = { size, hashes: Array.from({ length: 52 }, (_, i) => fake(i)) };
    const full = appendLeaf(sm3Hasher, range, fake(1));
    assert.equal(full.size, Number.MAX_SAFE_INTEGER);
    assert.equal(full.hashes.length, 53);
    throwsMerkle(() => appendLeaf(sm3Hasher, full, fake(2)), "bad-size");
  });

  it("refuses a leaf hash of the wrong length and an inconsistent range", () => {
    throwsMerkle(() => appendLeaf(sm3Hasher, emptyCompactRange, new Uint8Array(31)), "malformed");
    throwsMerkle(() => appendLeaf(sm3Hasher, { size: 3, hashes: [fake(1)] }, fake(2)), "malformed");
    throwsMerkle(() => appendLeaf(sm3Hasher, { size: 1, hashes: [new Uint8Array(33)] }, fake(2)), "malformed");
    throwsMerkle(() => appendLeaf(sm3Hasher, { size: -1, hashes: [] }, fake(2)), "bad-size");
    throwsMerkle(() => compactRangeRoot(sm3Hasher, { size: 2, hashes: [] }), "malformed");
    throwsMerkle(() => encodeCompactRange({ size: 1.5, hashes: [] }), "bad-size");
  });
});

describe("compact range encoding", () => {
  it("is the size as 8 bytes big-endian followed by the hashes", () => {
    const range: CompactRange = { size: 0x0102030405, hashes: [] };
    const withHashes: CompactRange = { size: 5, hashes: [fake(0xaa), fake(0xbb)] };
    assert.equal(toHex(encodeCompactRange({ size: 0, hashes: [] })), "0000000000000000");
    throwsMerkle(() => encodeCompactRange(range), "malformed"); // 0x0102030405 has set bits but no hashes
    const bytes = encodeCompactRange(withHashes);
    assert.equal(bytes.length, 8 + 64);
    assert.equal(toHex(bytes.subarray(0, 8)), "0000000000000005");
    assert.deepEqual(bytes.subarray(8, 40), fake(0xaa));
    assert.deepEqual(bytes.subarray(40), fake(0xbb));
  });

  it("round-trips (property), including sizes beyond 32 bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 255 }), (size, b) => {
        const range: CompactRange = { size, hashes: Array.from({ length: toBinaryOnes(size) }, (_, i) => fake(b ^ i)) };
        const decoded = decodeCompactRange(encodeCompactRange(range));
        assert.equal(decoded.size, size);
        assert.deepEqual(decoded.hashes, range.hashes);
      }),
      { numRuns: 200 },
    );
  });

  it("decodes from a view into a larger buffer", () => {
    const bytes = encodeCompactRange(storeTree(sm3Hasher, 6).ranges[6] as CompactRange);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    const decoded = decodeCompactRange(padded.subarray(5, 5 + bytes.length));
    assert.equal(decoded.size, 6);
    assert.deepEqual(encodeCompactRange(decoded), bytes);
  });

  it("refuses bad input", () => {
    const good = encodeCompactRange(storeTree(sm3Hasher, 3).ranges[3] as CompactRange);
    throwsMerkle(() => decodeCompactRange(new Uint8Array(7)), "malformed");
    throwsMerkle(() => decodeCompactRange(good.subarray(0, good.length - 1)), "malformed");
    throwsMerkle(() => decodeCompactRange(good.subarray(0, good.length - 32)), "malformed"); // 3 needs 2 hashes
    throwsMerkle(() => decodeCompactRange(new Uint8Array([...good, ...fake(1)])), "malformed");
    const huge = new Uint8Array(8 + 32 * 54);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 54n - 1n);
    throwsMerkle(() => decodeCompactRange(huge), "malformed");
  });
});

function toBinaryOnes(n: number): number {
  return n
    .toString(2)
    .split("")
    .filter((c) => c === "1").length;
}
