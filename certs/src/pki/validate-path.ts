import { CertsError, type CertsErrorCode } from "../error.js";
import type { Certificate } from "../x509/certificate.js";
import { verifyCertificateSignature } from "../x509/certificate.js";
import { type Crl, verifyCrlSignature } from "../x509/crl.js";
import { type ExtKeyUsageName, extKeyUsageOids } from "../x509/extensions.js";
import { formatName, namesEqual } from "../x509/name.js";

/**
 * Certification path validation with the RFC 5280 §6 essentials for the
 * hutong SM2 profile: build a chain from the leaf through untrusted
 * intermediates to a trust anchor (backtracking over candidate issuers), then
 * check validity windows against a caller-supplied clock, SM2 signatures,
 * basicConstraints and pathLenConstraint, CA key usage, leaf EKU, unknown
 * critical extensions, revocation from CRLs (signature, issuer, freshness),
 * and the party id. Pure: no I/O, no ambient clock.
 */
export interface PathValidationOptions {
  readonly trustAnchors: readonly Certificate[];
  readonly intermediates?: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** The validation time; never read from the ambient clock here. */
  readonly time: Date;
  /**
   * `require`: every certificate below the anchor needs a fresh CRL from its issuer
   * (what a gateway uses); `if-present` (default): check where a CRL from the
   * issuer was given; `off`: no revocation checking.
   */
  readonly revocation?: "require" | "if-present" | "off";
  /** The leaf must carry this extended key usage. */
  readonly requiredEku?: ExtKeyUsageName;
  /** The leaf must name exactly this party. */
  readonly expectedPartyId?: string;
  /** Refuse leaves that carry no party id (default true). */
  readonly requirePartyId?: boolean;
}

export interface ValidatedPath {
  /** Leaf first, trust anchor last. */
  readonly chain: readonly Certificate[];
  readonly leaf: Certificate;
  /** The leaf's party id ("" only when requirePartyId is false and the leaf has none). */
  readonly partyId: string;
}

const maxDepth = 8;

// How far a failed attempt got decides which error to report when every
// candidate path fails: a bad signature on a found issuer says more than "untrusted".
const codeRank: Partial<Record<CertsErrorCode, number>> = { untrusted: 0, "bad-signature": 1 };

function fail(code: CertsErrorCode, message: string): never {
  throw new CertsError(code, message);
}

function label(cert: Certificate): string {
  return `certificate "${formatName(cert.subject)}" (serial ${cert.serialHex})`;
}

function sameCert(a: Certificate, b: Certificate): boolean {
  return Buffer.from(a.der).equals(Buffer.from(b.der));
}

function keyIdsCompatible(child: Certificate, issuer: Certificate): boolean {
  const aki = child.extensions.authorityKeyId;
  const ski = issuer.extensions.subjectKeyId;
  return aki === undefined || ski === undefined || Buffer.from(aki).equals(Buffer.from(ski));
}

function checkValidity(cert: Certificate, time: Date): void {
  if (time < cert.notBefore)
    fail("not-yet-valid", `${label(cert)} is not valid before ${cert.notBefore.toISOString()}`);
  if (time > cert.notAfter) fail("expired", `${label(cert)} expired at ${cert.notAfter.toISOString()}`);
}

function checkCritical(cert: Certificate): void {
  const [unknown] = cert.extensions.unknownCritical;
  if (unknown !== undefined) {
    fail("unsupported-critical-extension", `${label(cert)} has an unsupported critical extension ${unknown}`);
  }
}

/** Chains from `cert` upwards; returns the rest of the path ending at an anchor. */
function buildUp(
  cert: Certificate,
  options: PathValidationOptions,
  pool: readonly Certificate[],
  depth: number,
  seen: readonly Certificate[],
): Certificate[] {
  if (options.trustAnchors.some((a) => sameCert(a, cert))) return [];
  if (depth >= maxDepth) fail("path-too-long", `no trust anchor within ${maxDepth} certificates`);
  const candidates = [...options.trustAnchors, ...pool].filter(
    (c) => namesEqual(c.subjectDer, cert.issuerDer) && keyIdsCompatible(cert, c) && !seen.some((s) => sameCert(s, c)),
  );
  let best: CertsError | undefined;
  for (const issuer of candidates) {
    try {
      if (!verifyCertificateSignature(cert, issuer.publicKey)) {
        fail("bad-signature", `${label(cert)}: signature does not verify with the key of ${label(issuer)}`);
      }
      return [issuer, ...buildUp(issuer, options, pool, depth + 1, [...seen, issuer])];
    } catch (e) {
      if (!(e instanceof CertsError)) throw e;
      if (best === undefined || (codeRank[e.code] ?? 2) >= (codeRank[best.code] ?? 2)) best = e;
    }
  }
  throw best ?? new CertsError("untrusted", `${label(cert)}: no trusted issuer "${formatName(cert.issuer)}" found`);
}

function checkCa(ca: Certificate, below: number): void {
  const bc = ca.extensions.basicConstraints;
  if (bc === undefined || !bc.ca) fail("wrong-usage", `${label(ca)} issued a certificate but is not a CA`);
  const ku = ca.extensions.keyUsage;
  if (ku !== undefined && !ku.usages.has("keyCertSign")) {
    fail("wrong-usage", `${label(ca)} lacks keyCertSign in keyUsage`);
  }
  // `below` = number of intermediate CAs between this CA and the leaf.
  if (bc.pathLen !== undefined && below > bc.pathLen) {
    fail("path-too-long", `${label(ca)} allows ${bc.pathLen} CA(s) below it, the path has ${below}`);
  }
}

function checkLeaf(leaf: Certificate, options: PathValidationOptions, isAnchor: boolean): string {
  if (!isAnchor) {
    if (leaf.extensions.basicConstraints?.ca === true && options.requiredEku !== undefined) {
      fail("wrong-usage", `${label(leaf)} is a CA certificate, not an end-entity certificate`);
    }
    const ku = leaf.extensions.keyUsage;
    if (ku !== undefined && !ku.usages.has("digitalSignature")) {
      fail("wrong-usage", `${label(leaf)} lacks digitalSignature in keyUsage`);
    }
  }
  if (options.requiredEku !== undefined) {
    const eku = leaf.extensions.extKeyUsage;
    if (eku === undefined || !eku.oids.includes(extKeyUsageOids[options.requiredEku])) {
      fail("wrong-usage", `${label(leaf)} is not valid for ${options.requiredEku} (extKeyUsage)`);
    }
  }
  const partyId = leaf.partyId ?? "";
  if (partyId === "" && (options.requirePartyId ?? true)) {
    fail("wrong-party", `${label(leaf)} names no party (no urn:hutong:party: subjectAltName URI)`);
  }
  if (options.expectedPartyId !== undefined && partyId !== options.expectedPartyId) {
    fail("wrong-party", `${label(leaf)} is for party "${partyId}", expected "${options.expectedPartyId}"`);
  }
  return partyId;
}

/** The freshest valid CRL from `issuer` that covers `cert`; throws for forged or stale ones. */
function crlFor(cert: Certificate, issuer: Certificate, crls: readonly Crl[], time: Date): Crl | undefined {
  const fromIssuer = crls.filter((c) => namesEqual(c.issuerDer, cert.issuerDer));
  if (fromIssuer.length === 0) return undefined;
  let freshest: Crl | undefined;
  let stale: Crl | undefined;
  for (const crl of fromIssuer) {
    if (crl.authorityKeyId !== undefined && issuer.extensions.subjectKeyId !== undefined) {
      if (!Buffer.from(crl.authorityKeyId).equals(Buffer.from(issuer.extensions.subjectKeyId))) continue;
    }
    if (!verifyCrlSignature(crl, issuer.publicKey)) {
      fail("bad-signature", `the CRL for ${label(cert)} is not signed by ${label(issuer)}`);
    }
    const ku = issuer.extensions.keyUsage;
    if (ku !== undefined && !ku.usages.has("cRLSign")) fail("wrong-usage", `${label(issuer)} lacks cRLSign`);
    const [critical] = crl.unknownCritical;
    if (critical !== undefined)
      fail("unsupported-critical-extension", `CRL has unsupported critical extension ${critical}`);
    if (crl.thisUpdate > time || crl.nextUpdate === undefined || crl.nextUpdate < time) {
      stale = crl;
      continue;
    }
    if (freshest === undefined || crl.thisUpdate > freshest.thisUpdate) freshest = crl;
  }
  if (freshest === undefined && stale !== undefined) {
    fail(
      "crl-stale",
      `the CRL of "${formatName(stale.issuer)}" is not current (thisUpdate ${stale.thisUpdate.toISOString()}, nextUpdate ${stale.nextUpdate?.toISOString() ?? "absent"})`,
    );
  }
  return freshest;
}

function checkRevocation(chain: readonly Certificate[], options: PathValidationOptions): void {
  const mode = options.revocation ?? "if-present";
  if (mode === "off") return;
  for (let i = 0; i < chain.length - 1; i++) {
    const cert = chain[i] as Certificate;
    const issuer = chain[i + 1] as Certificate;
    const crl = crlFor(cert, issuer, options.crls ?? [], options.time);
    if (crl === undefined) {
      if (mode === "require")
        fail("crl-missing", `no current CRL from "${formatName(issuer.subject)}" to check ${label(cert)}`);
      continue;
    }
    const entry = crl.revoked.get(cert.serialHex);
    if (entry !== undefined && entry.revocationDate <= options.time) {
      fail(
        "revoked",
        `${label(cert)} was revoked at ${entry.revocationDate.toISOString()} (${entry.reason ?? "unspecified"})`,
      );
    }
  }
}

/** Validates `leaf` for the options' purpose; returns the chain and party id or throws a coded CertsError. */
export function validateCertificatePath(leaf: Certificate, options: PathValidationOptions): ValidatedPath {
  if (options.trustAnchors.length === 0) fail("untrusted", "no trust anchors configured");
  const chain = [leaf, ...buildUp(leaf, options, options.intermediates ?? [], 0, [leaf])];
  for (const cert of chain) {
    checkValidity(cert, options.time);
    checkCritical(cert);
  }
  // chain[i] for i ≥ 1 is a CA with i−1 intermediate CAs between it and the leaf.
  for (let i = 1; i < chain.length; i++) checkCa(chain[i] as Certificate, i - 1);
  const partyId = checkLeaf(leaf, options, chain.length === 1);
  checkRevocation(chain, options);
  return { chain, leaf, partyId };
}
