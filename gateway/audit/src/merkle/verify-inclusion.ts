import type { MerkleHasher } from "./hasher.js";
import { MerkleError } from "./merkle-error.js";
import {
  chainBorderRight,
  chainInner,
  checkHashLength,
  checkProofHashes,
  inclusionProofShape,
  sameHash,
} from "./proof-chain.js";
import { isSize } from "./safe-bits.js";

/**
 * The root that an inclusion proof (RFC 9162 §2.1.3) for `leafHash` at
 * `leafIndex` in a tree of `treeSize` leaves leads to. The proof length is
 * checked against (leafIndex, treeSize) before any hashing, which rejects
 * truncated and padded proofs outright. Throws MerkleError.
 */
export function rootFromInclusionProof(
  hasher: MerkleHasher,
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  if (!isSize(treeSize)) throw new MerkleError("bad-size", `tree size ${treeSize} is not a non-negative safe integer`);
  if (!isSize(leafIndex) || leafIndex >= treeSize) {
    throw new MerkleError("index-out-of-range", `leaf index ${leafIndex} is not below tree size ${treeSize}`);
  }
  checkHashLength(hasher, leafHash, "leaf hash");
  const { inner, border } = inclusionProofShape(leafIndex, treeSize);
  if (proof.length !== inner + border) {
    throw new MerkleError(
      "bad-proof-length",
      `inclusion proof for leaf ${leafIndex} of ${treeSize} needs ${inner + border} hashes, got ${proof.length}`,
    );
  }
  checkProofHashes(hasher, proof);
  const res = chainInner(hasher, leafHash, proof.slice(0, inner), leafIndex);
  return chainBorderRight(hasher, res, proof.slice(inner)).slice();
}

/** Checks that `leafHash` is leaf `leafIndex` of the tree of `treeSize` leaves with `root`. Throws MerkleError. */
export function verifyInclusion(
  hasher: MerkleHasher,
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHashLength(hasher, root, "root");
  const computed = rootFromInclusionProof(hasher, leafIndex, treeSize, leafHash, proof);
  if (!sameHash(computed, root)) {
    throw new MerkleError(
      "root-mismatch",
      `inclusion proof for leaf ${leafIndex} of ${treeSize} leads to another root`,
    );
  }
}
