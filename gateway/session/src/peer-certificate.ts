import {
  type Certificate,
  type Crl,
  createPathValidationCache,
  type ExtKeyUsageName,
  isCertsError,
  parseCertificate,
  sm3,
  type ValidatedPath,
} from "@hutong/certs";
import { defaultLimits } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/** What a side trusts: anchors and known intermediates. CRLs come per call, as they change. */
export interface TrustStore {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
}

export interface PeerValidation {
  readonly trust: TrustStore;
  readonly crls: readonly Crl[];
  readonly now: number;
  readonly requiredEku: ExtKeyUsageName;
  readonly expectedPartyId?: string;
}

// Parsed certificates by their DER: every hello from a system carries the same chain, and parsing
// it was a tenth of a handshake. Certificates are immutable values, so sharing one is safe; the
// cache is bounded and forgets everything when full (a flood of distinct chains costs parsing, as
// it would without the cache, never memory).
const parsedCertificates = new Map<string, Certificate>();
const parsedCertificatesMax = 1024;

function parseCached(der: Uint8Array): Certificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
  let cert = parsedCertificates.get(key);
  if (cert === undefined) {
    cert = parseCertificate(der);
    if (parsedCertificates.size >= parsedCertificatesMax) parsedCertificates.clear();
    parsedCertificates.set(key, cert);
  }
  return cert;
}

// Validated peer chains: every handshake of a system sends the same chain, and its validation
// (path building, the signature look-ups, CRL selection) was a tenth of a handshake. A hit means
// exactly what a fresh validation would answer at this handshake's time (keyed by the chain's DER,
// the trust set, the CRL set and the options; validity and revocation re-checked on every hit;
// only successes kept): see @hutong/certs createPathValidationCache.
const validatedPaths = createPathValidationCache({ maxEntries: 4096 });

/** A hello's chain within the size limits (1–8 certificates, each 1 byte to 16 KiB), else malformed. */
export function checkChainShape(chain: readonly Uint8Array[]): void {
  if (chain.length === 0 || chain.length > defaultLimits.maxChainLength) {
    throw new SessionError("malformed", `certificate chain must hold 1..${defaultLimits.maxChainLength} certificates`);
  }
  for (const der of chain) {
    if (der.length === 0) throw new SessionError("malformed", "empty certificate in the chain");
    if (der.length > defaultLimits.maxCertificateBytes) throw new SessionError("malformed", "certificate too large");
  }
}

/** Parses a hello's chain (leaf first), with size limits before any parsing work. */
export function parsePeerChain(chain: readonly Uint8Array[]): Certificate[] {
  checkChainShape(chain);
  return chain.map((der) => {
    try {
      return parseCached(der);
    } catch (cause) {
      if (isCertsError(cause)) {
        throw new SessionError("bad-certificate", "certificate does not parse", { cause, certsCode: cause.code });
      }
      throw cause;
    }
  });
}

/**
 * Validates a peer chain with revocation required. The CertsError code is kept
 * on the SessionError; revoked and wrong-party (a valid certificate of another party) get their own
 * session codes because callers and tests act on them specifically.
 */
export function validatePeerChain(chain: readonly Certificate[], v: PeerValidation): ValidatedPath {
  const [leaf] = chain;
  if (leaf === undefined) throw new SessionError("malformed", "empty certificate chain");
  try {
    return validatedPaths.validate(chain, {
      trustAnchors: v.trust.trustAnchors,
      ...(v.trust.intermediates === undefined ? {} : { intermediates: v.trust.intermediates }),
      crls: v.crls,
      time: new Date(v.now),
      revocation: "require",
      requiredEku: v.requiredEku,
      ...(v.expectedPartyId === undefined ? {} : { expectedPartyId: v.expectedPartyId }),
    });
  } catch (cause) {
    if (!isCertsError(cause)) throw cause;
    // wrong-party is for a certificate of another party; one that names no party at all is not a
    // certificate of this federation's profile (docs/pki-profile.md): bad-certificate.
    const code =
      cause.code === "revoked"
        ? "revoked"
        : cause.code === "wrong-party" && (leaf.partyId ?? "") !== ""
          ? "wrong-party"
          : "bad-certificate";
    throw new SessionError(code, `peer certificate refused: ${cause.message}`, { cause, certsCode: cause.code });
  }
}

const issuerHashes = new WeakMap<Certificate, Uint8Array>();

/** SM3 of the issuer name DER: with the serial, what identifies a certificate on its issuer's CRL. */
export function issuerNameHash(cert: Certificate): Uint8Array {
  // Parsed certificates are shared (above), so the hash of a system's issuer is computed once.
  let hash = issuerHashes.get(cert);
  if (hash === undefined) {
    hash = sm3(cert.issuerDer);
    issuerHashes.set(cert, hash);
  }
  return hash;
}
