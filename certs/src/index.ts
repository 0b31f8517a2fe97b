// The public surface of @hutong/certs: what the gateway and operators' tools use
// (sorted by module path). Lower-level DER helpers stay internal to the package.

export { decodePem, decodePemBlocks, encodePem, type PemBlock } from "./asn1/pem.js";
export { constantTimeEqual } from "./crypto/constant-time.js";
export { isNativeBackendAvailable } from "./crypto/native-backend.js";
export { pooledRandomBytes, pooledRandomHex } from "./crypto/random-pool.js";
export type { Sm2Backend, Sm2BackendName } from "./crypto/sm2-backend.js";
export { defaultSm2Backend, getSm2Backend } from "./crypto/sm2-backend-registry.js";
export {
  createSm2EphemeralKeyPool,
  generateSm2EphemeralKey,
  type Sm2EphemeralKey,
  type Sm2EphemeralKeyPool,
  sm2Ecdh,
  sm2EphemeralKeyFrom,
} from "./crypto/sm2-ecdh.js";
export {
  createSm2PrivateKey,
  createSm2PublicKey,
  exportSm2PrivateScalar,
  generateSm2PrivateKey,
  type Sm2PrivateKey,
  type Sm2PublicKey,
} from "./crypto/sm2-key.js";
export {
  decodeSm2Pkcs8,
  decodeSm2PrivateKeyPem,
  decodeSm2PublicKeyPem,
  decodeSm2Sec1,
  decodeSm2Spki,
  encodeSm2Pkcs8,
  encodeSm2PrivateKeyPem,
  encodeSm2PublicKeyPem,
  encodeSm2Sec1,
  encodeSm2Spki,
} from "./crypto/sm2-key-codec.js";
export {
  defaultSm2Id,
  type Sm2SignOptions,
  sm2Digest,
  sm2Sign,
  sm2SignAsync,
  sm2Verify,
  sm2VerifyAsync,
  sm2Za,
} from "./crypto/sm2-signature.js";
export { sm2SignatureDerToRaw, sm2SignatureRawToDer } from "./crypto/sm2-signature-encoding.js";
export { hkdfSm3, hmacSm3, hmacSm3OverDigest, sm3 } from "./crypto/sm3.js";
export { createSm4AeadKey, type Sm4AeadKey, sm4AeadOverhead, sm4Open, sm4Seal } from "./crypto/sm4-aead.js";
export { CertsError, type CertsErrorCode, certsErrorCodes, isCertsError } from "./error.js";
export { isValidPartyId, type PartyId, parsePartyId, partyIdFromUri, partyIdToUri } from "./party/party-id.js";
export { createPathValidationCache, type PathValidationCache } from "./pki/path-cache.js";
export { type PathValidationOptions, type ValidatedPath, validateCertificatePath } from "./pki/validate-path.js";
export {
  type Certificate,
  type CertificateTemplate,
  certificateToPem,
  createCertificate,
  parseCertificate,
  parseCertificatePem,
  verifyCertificateSignature,
} from "./x509/certificate.js";
export {
  type Crl,
  type CrlEntry,
  type CrlInput,
  createCrl,
  crlToPem,
  parseCrl,
  parseCrlPem,
  type RevocationReason,
  revocationReasons,
  verifyCrlSignature,
} from "./x509/crl.js";
export { type Csr, type CsrInput, createCsr, csrToPem, parseCsr, parseCsrPem, verifyCsrSignature } from "./x509/csr.js";
export type { CertificateExtensions, ExtKeyUsageName, KeyUsage } from "./x509/extensions.js";
export {
  keyedSubjectDigest,
  minSubjectKeyLength,
  normalizeSubjectId,
  subjectDigestLabel,
  subjectDigestLength,
  subjectUriFor,
  subjectUriPrefix,
  unifiedSocialCreditCodeIdType,
  unifiedSocialCreditCodePattern,
} from "./x509/holder-subject.js";
export { type DistinguishedName, formatName, type NameInput } from "./x509/name.js";
