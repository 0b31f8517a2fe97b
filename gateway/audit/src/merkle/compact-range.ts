import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";
import type { NodeId } from "./node-id.js";
import { isOdd, isSize, popCount } from "./safe-bits.js";

/**
 * The writer's state: the roots of the perfect subtrees covering leaves [0, size),
 * left to right (largest first), one per set bit of `size`, so at most ⌈log2 size⌉.
 * Enough to append and to compute the root without reading anything back.
 */
export interface CompactRange {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

export const emptyCompactRange: CompactRange = Object.freeze({ size: 0, hashes: Object.freeze([]) });

const hashSize = 32;
const sizeBytes = 8;

/**
 * Appends one leaf hash. Calls `onNode` for every perfect-subtree node this
 * append completes, the leaf itself (level 0) first and then each parent up
 * the merged right edge, so a store can persist every (level, index) node that
 * proof plans will later ask for. Pure apart from the callback.
 */
export function appendLeaf(
  hasher: MerkleHasher,
  range: CompactRange,
  leafHash: Uint8Array,
  onNode?: (id: NodeId, hash: Uint8Array) => void,
): CompactRange {
  checkRange(range);
  checkHash(leafHash, "leaf hash");
  if (range.size >= Number.MAX_SAFE_INTEGER) throw new MerkleError("bad-size", "tree size would exceed 2^53 - 1");
  const hashes = range.hashes.slice();
  let hash: Uint8Array = leafHash.slice();
  let level = 0;
  let index = range.size;
  onNode?.({ level, index }, hash);
  // Each trailing 1 bit of the old size is a perfect subtree that the new leaf's
  // subtree now completes as its right sibling: merge them, one level up each.
  for (let rest = range.size; isOdd(rest); rest = (rest - 1) / 2) {
    hash = hasher.hashChildren(hashes.pop() as Uint8Array, hash);
    level += 1;
    index = (index - 1) / 2;
    onNode?.({ level, index }, hash);
  }
  hashes.push(hash);
  return { size: range.size + 1, hashes };
}

/** The tree root: the compact range folded right to left (HASH("") when empty). */
export function compactRangeRoot(hasher: MerkleHasher, range: CompactRange): Uint8Array {
  checkRange(range);
  const { hashes } = range;
  if (hashes.length === 0) return hasher.emptyRoot();
  let root: Uint8Array = (hashes[hashes.length - 1] as Uint8Array).slice();
  for (let i = hashes.length - 2; i >= 0; i--) root = hasher.hashChildren(hashes[i] as Uint8Array, root);
  return root;
}

/** Storage form: the size as 8 bytes big-endian, then the hashes left to right. */
export function encodeCompactRange(range: CompactRange): Uint8Array {
  checkRange(range);
  const out = new Uint8Array(sizeBytes + hashSize * range.hashes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(range.size));
  range.hashes.forEach((h, i) => {
    out.set(h, sizeBytes + hashSize * i);
  });
  return out;
}

export function decodeCompactRange(bytes: Uint8Array): CompactRange {
  if (bytes.length < sizeBytes || (bytes.length - sizeBytes) % hashSize !== 0) {
    throw new MerkleError("malformed", `compact range encoding has a bad length (${bytes.length} bytes)`);
  }
  const big = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new MerkleError("malformed", "compact range size exceeds 2^53 - 1");
  const size = Number(big);
  const count = (bytes.length - sizeBytes) / hashSize;
  if (count !== popCount(size)) {
    throw new MerkleError(
      "malformed",
      `compact range of size ${size} must hold ${popCount(size)} hashes, not ${count}`,
    );
  }
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) hashes.push(bytes.slice(sizeBytes + hashSize * i, sizeBytes + hashSize * (i + 1)));
  return { size, hashes };
}

function checkRange(range: CompactRange): void {
  if (!isSize(range.size)) throw new MerkleError("bad-size", `compact range size ${range.size} is not a safe integer`);
  if (range.hashes.length !== popCount(range.size)) {
    throw new MerkleError(
      "malformed",
      `compact range of size ${range.size} must hold ${popCount(range.size)} hashes, not ${range.hashes.length}`,
    );
  }
  for (const h of range.hashes) checkHash(h, "compact range hash");
}

function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== hashSize) throw new MerkleError("malformed", `${what} is ${hash.length} bytes, not ${hashSize}`);
}
