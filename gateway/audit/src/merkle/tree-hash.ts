import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";

// The reference algorithms of RFC 9162 §2.1, written as the recursive
// definitions (MTH, PATH, PROOF/SUBPROOF) over an in-memory list of leaf hashes.
// They are the oracle for the stored-node proof plans and the vector generator,
// not the production path: each call is O(n).

/** The largest power of two strictly smaller than n (n > 1), the RFC's k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) given the leaf hashes MTH({d(i)}) = HASH(0x00 || d(i)). */
export function treeRoot(hasher: MerkleHasher, leafHashes: readonly Uint8Array[]): Uint8Array {
  return mth(hasher, leafHashes, 0, leafHashes.length);
}

function mth(hasher: MerkleHasher, leaves: readonly Uint8Array[], begin: number, end: number): Uint8Array {
  const n = end - begin;
  if (n === 0) return hasher.emptyRoot();
  if (n === 1) return (leaves[begin] as Uint8Array).slice();
  const k = splitPoint(n);
  return hasher.hashChildren(mth(hasher, leaves, begin, begin + k), mth(hasher, leaves, begin + k, end));
}

/** PATH(index, D[n]): the inclusion proof of leaf `index`, leaf to root. */
export function inclusionPath(hasher: MerkleHasher, leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new MerkleError("index-out-of-range", `leaf index ${index} is not below tree size ${leafHashes.length}`);
  }
  return path(hasher, leafHashes, index, 0, leafHashes.length);
}

function path(
  hasher: MerkleHasher,
  leaves: readonly Uint8Array[],
  m: number,
  begin: number,
  end: number,
): Uint8Array[] {
  const n = end - begin;
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...path(hasher, leaves, m, begin, begin + k), mth(hasher, leaves, begin + k, end)];
  return [...path(hasher, leaves, m - k, begin + k, end), mth(hasher, leaves, begin, begin + k)];
}

/**
 * PROOF(size1, D[n]): the consistency proof from the tree of the first `size1`
 * leaves to the tree of all of them. Empty when size1 is 0 or n (our convention
 * for 0, matching verifyConsistency; the RFC defines only 0 < size1 < n).
 */
export function consistencyPath(hasher: MerkleHasher, leafHashes: readonly Uint8Array[], size1: number): Uint8Array[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > n) {
    throw new MerkleError("bad-size", `size ${size1} is not within tree size ${n}`);
  }
  if (size1 === 0 || size1 === n) return [];
  return subproof(hasher, leafHashes, size1, 0, n, true);
}

function subproof(
  hasher: MerkleHasher,
  leaves: readonly Uint8Array[],
  m: number,
  begin: number,
  end: number,
  complete: boolean,
): Uint8Array[] {
  const n = end - begin;
  if (m === n) return complete ? [] : [mth(hasher, leaves, begin, end)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(hasher, leaves, m, begin, begin + k, complete), mth(hasher, leaves, begin + k, end)];
  return [...subproof(hasher, leaves, m - k, begin + k, end, false), mth(hasher, leaves, begin, begin + k)];
}
