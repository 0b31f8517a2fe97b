// Test helpers for the Merkle core (excluded from the build like every testing-*.ts).
import assert from "node:assert/strict";
import { appendLeaf, type CompactRange, emptyCompactRange } from "./compact-range.js";
import type { MerkleHasher } from "./hasher.js";
import { isMerkleError, type MerkleErrorCode } from "./merkle-error.js";
import type { NodeId } from "./node-id.js";
import type { ProofPlan } from "./proof-plan.js";

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
export const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

/** The classic RFC 6962 8-leaf tree (style-and-logs.md B.7). */
export const ct8Leaves: readonly Uint8Array[] = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(fromHex);

/** Leaf i as 4 bytes big-endian. */
export function be32Leaf(i: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, i);
  return out;
}

/** What a store would hold after appending `size` leaves: every node appendLeaf reported, and each compact range. */
export interface StoredTree {
  readonly leafHashes: readonly Uint8Array[];
  readonly nodes: ReadonlyMap<string, Uint8Array>;
  /** ranges[n] is the compact range after n appends. */
  readonly ranges: readonly CompactRange[];
}

export const nodeKey = (id: NodeId): string => `${id.level}/${id.index}`;

export function storeTree(hasher: MerkleHasher, size: number): StoredTree {
  const leafHashes: Uint8Array[] = [];
  const nodes = new Map<string, Uint8Array>();
  const ranges: CompactRange[] = [emptyCompactRange];
  let range = emptyCompactRange;
  for (let i = 0; i < size; i++) {
    const leafHash = hasher.hashLeaf(be32Leaf(i));
    leafHashes.push(leafHash);
    range = appendLeaf(hasher, range, leafHash, (id, hash) => {
      const key = nodeKey(id);
      assert.ok(!nodes.has(key), `node ${key} reported twice`);
      nodes.set(key, hash);
    });
    ranges.push(range);
  }
  return { leafHashes, nodes, ranges };
}

/** Fetches a plan's nodes from a stored tree (failing the test on a node never stored) and rehashes. */
export function runPlan(hasher: MerkleHasher, tree: StoredTree, plan: ProofPlan): Uint8Array[] {
  const fetched = plan.nodes.map((id) => {
    const hash = tree.nodes.get(nodeKey(id));
    assert.ok(hash, `plan asks for node ${nodeKey(id)}, which was never stored`);
    return hash;
  });
  return plan.rehash(hasher, fetched);
}

/** Asserts that `run` throws a MerkleError with `code`. */
export function throwsMerkle(run: () => unknown, code: MerkleErrorCode): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isMerkleError(error), `expected a MerkleError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** A copy of `bytes` with bit `bit` flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}
