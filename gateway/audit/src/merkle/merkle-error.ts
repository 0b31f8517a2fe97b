import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the Merkle core. Codes are a closed set so callers (the
 * audit store, the offline verifier, the RPC layer) can branch on them without
 * matching message text. Messages carry sizes and indices only: tree data is
 * public, and no entry bytes ever reach an error.
 */
export const merkleErrorCodes = [
  /** A size is not a non-negative safe integer, or two sizes are in the wrong order. */
  "bad-size",
  /** A leaf index is not below the tree size (or not a non-negative safe integer). */
  "index-out-of-range",
  /** A proof has the wrong number of hashes for its (index, size) or (size1, size2). */
  "bad-proof-length",
  /** The proof recomputes to a different root (or the roots of equal sizes differ). */
  "root-mismatch",
  /** Bytes that cannot be what they claim: a hash of the wrong length, a bad encoding. */
  "malformed",
] as const;

export type MerkleErrorCode = (typeof merkleErrorCodes)[number];

export class MerkleError extends CodedError<"merkle", MerkleErrorCode> {
  constructor(code: MerkleErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("merkle", code, message, options);
    this.name = "MerkleError";
  }
}

export const isMerkleError = codedErrorGuard(MerkleError);
