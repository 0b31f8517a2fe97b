import { constantTimeEqual, parseCertificate, type Sm2PrivateKey, sm2Sign, sm2Verify } from "@hutong/certs";
import { GrantorKind, RevocationReason, type SignedRevocation } from "@hutong/proto";
import { type AuthorityPolicy, defaultAuthorityPolicy, isRevocationAuthority } from "./authority-policy.js";
import { type DecodedGrantBody, isGrantId } from "./grant-codec.js";
import { GrantsError } from "./grants-error.js";
import { memberOf } from "./party-scope.js";
import { type SignerTrust, type ValidatedSigner, validateSigner } from "./signer-path.js";

/** Domain-separation label: a revocation signature can never be read as a grant or anything else. */
export const revocationLabel = "hutong/v1 grant-revocation\0";
/** How far in the future a revocation's time may lie (clock skew between signer and gateway). */
export const defaultRevocationSkewMs = 5 * 60_000;

/** What a revocation says. */
export interface RevocationTerms {
  readonly grantId: string;
  /** Millisecond precision: the signed form is milliseconds since the epoch. */
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

export type RevokerRole = "grantor" | "grantee" | "authority";

export interface VerifiedRevocation extends RevocationTerms {
  readonly role: RevokerRole;
  readonly signer: ValidatedSigner;
  readonly revocation: SignedRevocation;
}

export interface RevocationVerificationOptions extends SignerTrust {
  readonly now: Date;
  readonly authorityPolicy?: AuthorityPolicy;
  readonly maxSkewMs?: number;
}

function invalid(message: string): never {
  throw new GrantsError("invalid-revocation", message);
}

function checkTerms(terms: RevocationTerms): void {
  if (!isGrantId(terms.grantId)) invalid("grant_id is not a grant id");
  if (Number.isNaN(terms.revokedAt.getTime())) invalid("revoked_at is missing");
  if (!(terms.reason > 0) || typeof RevocationReason[terms.reason] !== "string") {
    invalid("reason is unspecified or unknown");
  }
}

/**
 * The signed bytes of a revocation. Every part but the label has a fixed length, so the
 * concatenation is unambiguous:
 *   "hutong/v1 grant-revocation\0" || grant_id (35 ASCII bytes)
 *   || revoked_at (int64 big-endian, milliseconds since the Unix epoch) || reason (uint32 big-endian)
 */
export function revocationMessage(terms: RevocationTerms): Uint8Array {
  checkTerms(terms);
  const tail = Buffer.alloc(12);
  tail.writeBigInt64BE(BigInt(terms.revokedAt.getTime()), 0);
  tail.writeUInt32BE(terms.reason, 8);
  return Buffer.concat([Buffer.from(revocationLabel, "latin1"), Buffer.from(terms.grantId, "latin1"), tail]);
}

/** Signs a revocation (grantor's app, grantee, or revocation authority); `chain` leaf first. */
export function signRevocation(
  terms: RevocationTerms,
  privateKey: Sm2PrivateKey,
  chain: readonly Uint8Array[],
): SignedRevocation {
  const [leafDer] = chain;
  if (leafDer === undefined) throw new GrantsError("invalid-argument", "signRevocation needs the signer's chain");
  if (!constantTimeEqual(parseCertificate(leafDer).publicKey.point, privateKey.publicKey.point)) {
    throw new GrantsError("invalid-argument", "the private key is not the chain's leaf key");
  }
  return {
    grantId: terms.grantId,
    revokedAt: new Date(terms.revokedAt.getTime()),
    reason: terms.reason,
    signature: Buffer.from(sm2Sign(privateKey, revocationMessage(terms))),
    signerChain: chain.map((der) => Buffer.from(der)),
  };
}

function roleOf(signer: ValidatedSigner, body: DecodedGrantBody, policy: AuthorityPolicy): RevokerRole {
  const who = signer.identity;
  if (who.kind === "holder") {
    if (
      body.grantorKind === GrantorKind.GRANTOR_KIND_HOLDER &&
      constantTimeEqual(who.subjectDigest, body.subjectDigest)
    ) {
      return "grantor";
    }
    throw new GrantsError("wrong-signer", "the holder certificate is not the grantor's");
  }
  // Parties act as legal entities here: any system of the grantor's or grantee's member may revoke.
  const member = memberOf(who.partyId);
  if (body.grantorKind === GrantorKind.GRANTOR_KIND_AUTHORITY && member === memberOf(body.grantorParty)) {
    return "grantor";
  }
  if (member === memberOf(body.granteeParty)) return "grantee";
  if (isRevocationAuthority(policy, who.partyId)) return "authority";
  throw new GrantsError("wrong-signer", `party ${who.partyId} may not revoke this grant`);
}

/** A revocation whose signature and signer chain hold, before anyone has judged who may revoke. */
export interface SignedRevocationCheck extends RevocationTerms {
  readonly signer: ValidatedSigner;
  readonly revocation: SignedRevocation;
}

/**
 * The checks a revocation passes without its grant: the terms, the time (a revoked_at in the
 * future beyond the skew is refused), the signer chain and the SM2 signature. A gateway that does
 * not hold the grant can go no further; who may revoke is judged where the grant is (below).
 */
export function verifyRevocationSignature(
  revocation: SignedRevocation,
  options: RevocationVerificationOptions,
): SignedRevocationCheck {
  if (revocation.revokedAt === undefined) invalid("revoked_at is missing");
  const terms: RevocationTerms = {
    grantId: revocation.grantId,
    revokedAt: revocation.revokedAt,
    reason: revocation.reason,
  };
  const message = revocationMessage(terms);
  if (terms.revokedAt.getTime() > options.now.getTime() + (options.maxSkewMs ?? defaultRevocationSkewMs)) {
    invalid("revoked_at lies in the future");
  }
  if (revocation.signature.length === 0 || revocation.signature.length > 80) {
    throw new GrantsError("malformed", "the signature must be 1-80 bytes");
  }
  const signer = validateSigner(revocation.signerChain, options, options.now);
  let ok = false;
  try {
    ok = sm2Verify(signer.path.leaf.publicKey, message, revocation.signature);
  } catch (cause) {
    throw new GrantsError("bad-signature", "the revocation signature is not a valid SM2 signature", { cause });
  }
  if (!ok) throw new GrantsError("bad-signature", "the revocation signature does not verify");
  return { ...terms, signer, revocation };
}

/**
 * Verifies a signed revocation against the grant it names: verifyRevocationSignature, then that
 * it names this grant and who the signer is (the grantor, the grantee party, or a revocation
 * authority of the policy).
 */
export function verifySignedRevocation(
  revocation: SignedRevocation,
  grant: { readonly id: string; readonly body: DecodedGrantBody },
  options: RevocationVerificationOptions,
): VerifiedRevocation {
  if (revocation.grantId !== grant.id && isGrantId(revocation.grantId)) invalid("the revocation names another grant");
  const checked = verifyRevocationSignature(revocation, options);
  const role = roleOf(checked.signer, grant.body, options.authorityPolicy ?? defaultAuthorityPolicy);
  return { ...checked, role };
}
