import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";
import {
  chainBorderRight,
  chainInner,
  chainInnerRight,
  checkHashLength,
  checkProofHashes,
  inclusionProofShape,
  sameHash,
} from "./proof-chain.js";
import { isSize, shiftLeft, shiftRight, trailingZeros } from "./safe-bits.js";

/**
 * Checks that the tree of `size2` leaves with `root2` extends the tree of
 * `size1` leaves with `root1` (RFC 9162 §2.1.4.2, decomposition form with the
 * length check first). Throws MerkleError.
 *
 * Edge cases:
 * - size2 < size1: "bad-size".
 * - size1 == size2: the proof must be empty and the roots equal.
 * - size1 == 0: every tree extends the empty one, so only an EMPTY proof is
 *   accepted (as the C2SP witness protocol asks; the RFC leaves this case
 *   undefined), with any well-formed root2. Unlike transparency-dev we also
 *   require root1 to be the empty-tree root HASH(""), the only root a tree of
 *   size 0 can have, so a caller passing a wrong old checkpoint is caught.
 */
export function verifyConsistency(
  hasher: MerkleHasher,
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  if (!isSize(size1) || !isSize(size2)) {
    throw new MerkleError("bad-size", `tree sizes ${size1}, ${size2} are not non-negative safe integers`);
  }
  if (size2 < size1) throw new MerkleError("bad-size", `size2 ${size2} is smaller than size1 ${size1}`);
  checkHashLength(hasher, root1, "root1");
  checkHashLength(hasher, root2, "root2");
  if (size1 === 0 || size1 === size2) {
    if (proof.length !== 0) {
      throw new MerkleError(
        "bad-proof-length",
        `consistency proof from ${size1} to ${size2} must be empty, got ${proof.length} hashes`,
      );
    }
    if (size1 === 0 && !sameHash(root1, hasher.emptyRoot())) {
      throw new MerkleError("root-mismatch", "root1 of the empty tree is not the empty-tree root");
    }
    if (size1 === size2 && !sameHash(root1, root2)) {
      throw new MerkleError("root-mismatch", `trees of equal size ${size1} have different roots`);
    }
    return;
  }

  // The proof is, apart from its optional seed, the tail of the inclusion proof
  // for leaf size1 - 1 in the new tree, starting from the level of the last
  // perfect subtree of the old tree (2^shift leaves).
  const shape = inclusionProofShape(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = shape.inner - shift;
  // When size1 is that very power of two, the seed is root1 and is not sent.
  const seedIsRoot1 = size1 === shiftLeft(1, shift);
  const start = seedIsRoot1 ? 0 : 1;
  if (proof.length !== start + inner + shape.border) {
    throw new MerkleError(
      "bad-proof-length",
      `consistency proof from ${size1} to ${size2} needs ${start + inner + shape.border} hashes, got ${proof.length}`,
    );
  }
  checkProofHashes(hasher, proof);
  const seed = seedIsRoot1 ? root1 : (proof[0] as Uint8Array);
  const rest = proof.slice(start);
  const mask = shiftRight(size1 - 1, shift);

  const hash1 = chainBorderRight(hasher, chainInnerRight(hasher, seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!sameHash(hash1, root1)) {
    throw new MerkleError("root-mismatch", `consistency proof from ${size1} to ${size2} does not lead to root1`);
  }
  const hash2 = chainBorderRight(hasher, chainInner(hasher, seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!sameHash(hash2, root2)) {
    throw new MerkleError("root-mismatch", `consistency proof from ${size1} to ${size2} does not lead to root2`);
  }
}
