import {
  appendLeaf,
  type CompactRange,
  compactRangeRoot,
  encodeCompactRange,
  type MerkleHasher,
} from "../merkle/index.js";

/** A tree node to insert: (level, index) as in NodeId, with its hash. */
export interface PlannedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/**
 * Everything one append transaction writes, computed from the head read under
 * the write lock: indices firstIndex.. for the entries, their leaf hashes, every
 * tree node the appends complete (leaves included), and the new head.
 */
export interface AppendPlan {
  readonly firstIndex: number;
  readonly leafHashes: readonly Uint8Array[];
  readonly nodes: readonly PlannedNode[];
  readonly range: CompactRange;
  /** `encodeCompactRange(range)`, as the head row stores it. */
  readonly encodedRange: Uint8Array;
  readonly root: Uint8Array;
}

/**
 * Plans appending `entries` (their exact bytes) to the tree whose compact range
 * is `range`. Pure: both adapters call it between reading the head under the
 * lock and writing, so the tree a store grows never depends on which adapter
 * wrote it. `hashed`, when given, are the entries' leaf hashes already computed
 * by the store itself on another thread (HASH(0x00 || bytes), position-free).
 */
export function planAppend(
  hasher: MerkleHasher,
  range: CompactRange,
  entries: readonly Uint8Array[],
  hashed?: readonly Uint8Array[],
): AppendPlan {
  if (hashed !== undefined && hashed.length !== entries.length) {
    throw new RangeError(`${entries.length} entries but ${hashed.length} leaf hashes`);
  }
  const leafHashes: Uint8Array[] = [];
  const nodes: PlannedNode[] = [];
  const onNode = (id: { level: number; index: number }, hash: Uint8Array) => {
    nodes.push({ level: id.level, index: id.index, hash });
  };
  let next = range;
  entries.forEach((bytes, i) => {
    const leafHash = hashed?.[i] ?? hasher.hashLeaf(bytes);
    leafHashes.push(leafHash);
    next = appendLeaf(hasher, next, leafHash, onNode);
  });
  return {
    firstIndex: range.size,
    leafHashes,
    nodes,
    range: next,
    encodedRange: encodeCompactRange(next),
    root: compactRangeRoot(hasher, next),
  };
}
