// The grants core (architecture.md §4, docs/grants.md): pure code for the signed grant artefact, its
// verification, revocation and the share decision. Storage and pipeline wiring live elsewhere.
export {
  type AuthorityPolicy,
  createAuthorityPolicy,
  defaultAuthorityPolicy,
  defaultRevocationAuthorities,
  type GrantCaps,
  type GrantorKindName,
  grantorKindName,
  grantPolicyViolation,
  isRevocationAuthority,
  type KnownPurpose,
  type KnownRecordKind,
  type OperationRule,
  operationRule,
  type PurposePolicy,
  type PurposeRow,
  policyFields,
  purposePolicyTable,
  type RecordRule,
  type ShareOperation,
  shareOperations,
} from "./authority-policy.js";
export {
  isFieldPath,
  meetPaths,
  normalizePaths,
  pathCovers,
  recordRoot,
} from "./field-paths.js";
export {
  checkSignedGrant,
  type DecodedGrantBody,
  decodeGrantBody,
  decodeSignedGrant,
  encodeGrantBody,
  grantFormatVersion,
  grantIdFor,
  grantIdLabel,
  grantNonceLength,
  isGrantId,
  validateGrantBody,
} from "./grant-codec.js";
export {
  evaluateShare,
  type GrantState,
  type PresentedGrant,
  type ShareDecision,
  type ShareDenialReason,
  type SharePhase,
  type ShareRequest,
  shareDenialReasons,
} from "./grant-evaluation.js";
export {
  defaultRevocationSkewMs,
  type RevocationTerms,
  type RevocationVerificationOptions,
  type RevokerRole,
  revocationLabel,
  revocationMessage,
  signRevocation,
  type VerifiedRevocation,
  verifySignedRevocation,
} from "./grant-revocation.js";
export {
  checkGrantSignature,
  type GrantVerificationOptions,
  type SelfCheckedGrant,
  signGrant,
  type VerifiedGrant,
  verifySignedGrant,
} from "./grant-signature.js";
export { GrantsError, type GrantsErrorCode, grantsErrorCodes, isGrantsError } from "./grants-error.js";
export { memberOf, partyCovers } from "./party-scope.js";
export {
  type SignerIdentity,
  type SignerTrust,
  signerIdentity,
  type ValidatedSigner,
  validateSigner,
} from "./signer-path.js";
export { normalizeIdNumber, subjectDigest, subjectDigestLabel, subjectDigestLength } from "./subject-digest.js";
export { subjectDigestFromUri, subjectUri, subjectUriPrefix } from "./subject-uri.js";
