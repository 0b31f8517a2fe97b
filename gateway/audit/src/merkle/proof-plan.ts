import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";
import type { NodeId } from "./node-id.js";
import { bitLength, isSize, shiftLeft, shiftRight, trailingZeros, xor } from "./safe-bits.js";

/**
 * Which stored nodes a proof needs, and how to turn them into the proof. Every
 * node listed is a perfect subtree complete within the tree size, so a store that
 * kept every node `appendLeaf` reported can answer it. At most one element of the
 * proof, the "ephemeral" node on the tree's right border, is not stored: it is
 * rehashed from the stored nodes that cover its leaves.
 */
export interface ProofPlan {
  /** Stored nodes to fetch, in the order `rehash` expects. */
  readonly nodes: readonly NodeId[];
  /** Turns the fetched hashes (same order as `nodes`) into the proof, leaf-to-root order. */
  rehash(hasher: MerkleHasher, fetched: readonly Uint8Array[]): Uint8Array[];
}

/** The nodes of the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProofPlan(index: number, size: number): ProofPlan {
  if (!isSize(size)) throw new MerkleError("bad-size", `tree size ${size} is not a non-negative safe integer`);
  if (!isSize(index) || index >= size) {
    throw new MerkleError("index-out-of-range", `leaf index ${index} is not below tree size ${size}`);
  }
  return pathPlan(0, index, size, false);
}

/**
 * The nodes of the consistency proof from the tree of `size1` leaves to that of
 * `size2`. Empty when size1 is 0 or equal to size2 (see verifyConsistency).
 */
export function consistencyProofPlan(size1: number, size2: number): ProofPlan {
  if (!isSize(size1) || !isSize(size2)) {
    throw new MerkleError("bad-size", `tree sizes ${size1}, ${size2} are not non-negative safe integers`);
  }
  if (size1 > size2) throw new MerkleError("bad-size", `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return emptyPlan;
  // The last perfect subtree of the old tree: the proof is that node plus its
  // inclusion path in the new tree. When size1 is a power of two the node is the
  // old root itself, which the verifier already holds, so it is left out.
  const level = trailingZeros(size1);
  const index = shiftRight(size1 - 1, level);
  return pathPlan(level, index, size2, index !== 0);
}

const emptyPlan: ProofPlan = Object.freeze({
  nodes: Object.freeze([]),
  rehash: (_hasher: MerkleHasher, fetched: readonly Uint8Array[]) => {
    checkFetched(fetched, 0);
    return [];
  },
});

/**
 * The path from the complete node (level, index) to the root of the tree of
 * `size` leaves, leaf to root: optionally the node itself, then the siblings up
 * to the `fork` (the highest ancestor still complete), then the ephemeral sibling
 * of the fork (the perfect subtrees covering [fork end, size), folded), then the
 * perfect subtrees covering [0, fork begin), right to left.
 */
function pathPlan(level: number, index: number, size: number, withSelf: boolean): ProofPlan {
  // How many levels above (level, index) its path and the path to leaf `size`
  // diverge: the fork is that far up, and its right sibling holds the border.
  const inner = bitLength(xor(index, shiftRight(size, level))) - 1;
  const forkLevel = level + inner;
  const forkIndex = shiftRight(index, inner);
  const forkBegin = shiftLeft(forkIndex, forkLevel);
  const forkEnd = forkBegin + 2 ** forkLevel;

  const nodes: NodeId[] = [];
  if (withSelf) nodes.push({ level, index });
  for (let l = level, i = index; l < forkLevel; l++, i = shiftRight(i, 1)) {
    nodes.push({ level: l, index: i % 2 === 0 ? i + 1 : i - 1 });
  }
  const ephemeralBegin = nodes.length;
  nodes.push(...coveringNodes(forkEnd, size).reverse());
  const ephemeralEnd = nodes.length;
  nodes.push(...coveringNodes(0, forkBegin).reverse());

  const count = nodes.length;
  return Object.freeze({
    nodes: Object.freeze(nodes),
    rehash(hasher: MerkleHasher, fetched: readonly Uint8Array[]): Uint8Array[] {
      checkFetched(fetched, count);
      const proof: Uint8Array[] = [];
      for (let i = 0; i < ephemeralBegin; i++) proof.push((fetched[i] as Uint8Array).slice());
      if (ephemeralEnd > ephemeralBegin) {
        // Smallest (rightmost) subtree first: each next one is a left sibling.
        let acc: Uint8Array = (fetched[ephemeralBegin] as Uint8Array).slice();
        for (let i = ephemeralBegin + 1; i < ephemeralEnd; i++)
          acc = hasher.hashChildren(fetched[i] as Uint8Array, acc);
        proof.push(acc);
      }
      for (let i = ephemeralEnd; i < count; i++) proof.push((fetched[i] as Uint8Array).slice());
      return proof;
    },
  });
}

/**
 * The perfect subtrees covering leaves [begin, end), left to right, for a
 * `begin` aligned to a power of two larger than end - begin (true of both
 * ranges above), so they are simply the set bits of end - begin, largest first.
 */
function coveringNodes(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let position = begin;
  let rest = end - begin;
  for (let level = bitLength(rest) - 1; level >= 0; level--) {
    const width = 2 ** level;
    if (rest >= width) {
      out.push({ level, index: position / width });
      position += width;
      rest -= width;
    }
  }
  return out;
}

function checkFetched(fetched: readonly Uint8Array[], count: number): void {
  if (fetched.length !== count) {
    throw new MerkleError("malformed", `proof plan needs ${count} node hashes, got ${fetched.length}`);
  }
  for (const h of fetched) {
    if (h.length !== 32) throw new MerkleError("malformed", `a fetched node hash is ${h.length} bytes, not 32`);
  }
}
