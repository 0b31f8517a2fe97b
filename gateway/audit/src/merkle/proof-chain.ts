import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";
import { bitLength, isOdd, popCount, shiftRight, xor } from "./safe-bits.js";

// The pieces shared by inclusion and consistency verification, in the
// "decomposition" form of transparency-dev/merkle and sigstore-js: a proof for
// leaf `index` of a tree of `size` leaves has `inner` hashes below the point where
// the paths to `index` and to `size - 1` diverge, then `border` hashes of left
// siblings along the right border.

export interface ProofShape {
  readonly inner: number;
  readonly border: number;
}

export function inclusionProofShape(index: number, size: number): ProofShape {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: popCount(shiftRight(index, inner)) };
}

/** Hashes `seed` up through `proof`, on the left or right as bit i of `index` says. */
export function chainInner(
  hasher: MerkleHasher,
  seed: Uint8Array,
  proof: readonly Uint8Array[],
  index: number,
): Uint8Array {
  let acc = seed;
  proof.forEach((h, i) => {
    acc = isOdd(shiftRight(index, i)) ? hasher.hashChildren(h, acc) : hasher.hashChildren(acc, h);
  });
  return acc;
}

/** Like chainInner, but only the hashes where `seed` is a right child: the old tree's view. */
export function chainInnerRight(
  hasher: MerkleHasher,
  seed: Uint8Array,
  proof: readonly Uint8Array[],
  index: number,
): Uint8Array {
  let acc = seed;
  proof.forEach((h, i) => {
    if (isOdd(shiftRight(index, i))) acc = hasher.hashChildren(h, acc);
  });
  return acc;
}

/** Along the right border every proof hash is a left sibling. */
export function chainBorderRight(hasher: MerkleHasher, seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let acc = seed;
  for (const h of proof) acc = hasher.hashChildren(h, acc);
  return acc;
}

export function checkHashLength(hasher: MerkleHasher, hash: Uint8Array, what: string): void {
  if (hash.length !== hasher.size) {
    throw new MerkleError("malformed", `${what} is ${hash.length} bytes, not ${hasher.size}`);
  }
}

export function checkProofHashes(hasher: MerkleHasher, proof: readonly Uint8Array[]): void {
  proof.forEach((h, i) => {
    checkHashLength(hasher, h, `proof[${i}]`);
  });
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
