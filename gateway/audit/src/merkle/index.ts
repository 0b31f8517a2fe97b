// The public surface of the Merkle core (RFC 9162 trees over SM3 or SHA-256):
// pure maths, no I/O. The audit store persists what appendLeaf reports and
// answers proof plans; verifiers need only the verify functions.

export {
  appendLeaf,
  type CompactRange,
  compactRangeRoot,
  decodeCompactRange,
  emptyCompactRange,
  encodeCompactRange,
} from "./compact-range.js";
export { type MerkleHasher, type MerkleHashName, merkleHasher, sha256Hasher, sm3Hasher } from "./hasher.js";
export { isMerkleError, MerkleError, type MerkleErrorCode, merkleErrorCodes } from "./merkle-error.js";
export type { NodeId } from "./node-id.js";
export { consistencyProofPlan, inclusionProofPlan, type ProofPlan } from "./proof-plan.js";
export { consistencyPath, inclusionPath, treeRoot } from "./tree-hash.js";
export { verifyConsistency } from "./verify-consistency.js";
export { rootFromInclusionProof, verifyInclusion } from "./verify-inclusion.js";
