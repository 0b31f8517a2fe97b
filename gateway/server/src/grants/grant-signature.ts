import {
  type Certificate,
  constantTimeEqual,
  parseCertificate,
  type Sm2PrivateKey,
  sm2Sign,
  sm2Verify,
} from "@hutong/certs";
import { type GrantBody, GrantorKind, type SignedGrant } from "@hutong/proto";
import { type AuthorityPolicy, defaultAuthorityPolicy, grantPolicyViolation } from "./authority-policy.js";
import {
  checkSignedGrant,
  type DecodedGrantBody,
  decodeGrantBody,
  encodeGrantBody,
  grantIdFor,
} from "./grant-codec.js";
import { GrantsError } from "./grants-error.js";
import {
  type SignerIdentity,
  type SignerTrust,
  signerIdentity,
  type ValidatedSigner,
  validateSigner,
} from "./signer-path.js";

export interface GrantVerificationOptions extends SignerTrust {
  /** Verification time: the chain must be valid and unrevoked now, not merely at issued_at. */
  readonly now: Date;
  /** The purpose policy the grant must fit; default the built-in table. */
  readonly authorityPolicy?: AuthorityPolicy;
}

/** A grant whose signature, signer and policy fit were checked; what evaluation and the store use. */
export interface VerifiedGrant {
  readonly id: string;
  readonly body: DecodedGrantBody;
  /** The exact signed bytes (what is stored and forwarded). */
  readonly bodyBytes: Uint8Array;
  readonly signed: SignedGrant;
  readonly signer: ValidatedSigner;
}

function checkBinding(body: DecodedGrantBody, who: SignerIdentity): void {
  if (body.grantorKind === GrantorKind.GRANTOR_KIND_HOLDER) {
    if (who.kind !== "holder") throw new GrantsError("wrong-signer", "a holder grant must be signed by a holder");
    if (!constantTimeEqual(who.subjectDigest, body.subjectDigest)) {
      throw new GrantsError("wrong-signer", "the holder certificate is for another subject");
    }
  } else if (who.kind !== "party" || who.partyId !== body.grantorParty) {
    // Exact party: an authority speaks for itself; a sub-system's certificate is not the member's.
    throw new GrantsError("wrong-signer", `the signer certificate is not for party ${body.grantorParty}`);
  }
}

/**
 * Verifies a signed grant end to end: decodes the exact body bytes (strict), validates the signer
 * chain, binds its leaf to the grantor (a holder certificate's subject URI equals the body's
 * subject digest; an authority certificate's party equals the grantor party), checks the SM2
 * signature over the exact bytes and that the purpose policy accepts the grant. Throws a
 * GrantsError; never re-serializes the body.
 */
export function verifySignedGrant(signed: SignedGrant, options: GrantVerificationOptions): VerifiedGrant {
  checkSignedGrant(signed);
  const body = decodeGrantBody(signed.body);
  const signer = validateSigner(signed.signerChain, options, options.now);
  checkBinding(body, signer.identity);
  checkSignature(signer.path.leaf, signed);
  checkPolicy(body, options.authorityPolicy);
  return { id: grantIdFor(signed.body), body, bodyBytes: signed.body, signed, signer };
}

function checkSignature(leaf: Certificate, signed: SignedGrant): void {
  let ok = false;
  try {
    ok = sm2Verify(leaf.publicKey, signed.body, signed.signature);
  } catch (cause) {
    throw new GrantsError("bad-signature", "the grant signature is not a valid SM2 signature", { cause });
  }
  if (!ok) throw new GrantsError("bad-signature", "the grant signature does not verify");
}

function checkPolicy(body: DecodedGrantBody, policy: AuthorityPolicy = defaultAuthorityPolicy): void {
  const violation = grantPolicyViolation(policy, body);
  if (violation === "grantor-not-allowed") {
    throw new GrantsError("grantor-not-allowed", "the purpose policy takes no such grant from this grantor");
  }
  if (violation === "exceeds-policy") {
    throw new GrantsError("exceeds-policy", "the grant exceeds the purpose's validity or use caps");
  }
}

/** A grant that holds together on its own (checkGrantSignature): its signer chain is not yet trusted. */
export interface SelfCheckedGrant {
  readonly id: string;
  readonly body: DecodedGrantBody;
  /** The signer chain, leaf first, parsed. */
  readonly chain: readonly Certificate[];
  readonly identity: SignerIdentity;
}

/**
 * What can be checked of a grant without trust anchors or CRLs (a grant file in a holder's or an
 * operator's hands, before it is registered): the shape and the body's format rules (§4), the
 * leaf's identity bound to the grantor (a holder certificate's subject equals the body's subject
 * digest; an authority's party equals grantor_party), the SM2 signature over the exact body bytes,
 * and the purpose policy. Everything verifySignedGrant checks except the signer chain's path to an
 * anchor and its revocation, which only the enforcing gateway can judge. Throws a GrantsError.
 */
export function checkGrantSignature(
  signed: SignedGrant,
  options: { readonly authorityPolicy?: AuthorityPolicy } = {},
): SelfCheckedGrant {
  checkSignedGrant(signed);
  const body = decodeGrantBody(signed.body);
  const chain = signed.signerChain.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (cause) {
      throw new GrantsError("malformed", `certificate ${i} of the signer chain does not parse`, { cause });
    }
  });
  const [leaf] = chain;
  if (leaf === undefined) throw new GrantsError("malformed", "the signer chain is empty");
  if (leaf.extensions.basicConstraints?.ca === true) {
    throw new GrantsError("wrong-signer", "a CA certificate does not sign grants or revocations");
  }
  const identity = signerIdentity(leaf);
  checkBinding(body, identity);
  checkSignature(leaf, signed);
  checkPolicy(body, options.authorityPolicy);
  return { id: grantIdFor(signed.body), body, chain, identity };
}

/**
 * Signs a grant body (for tests, the demo and SDKs): checks it against the format rules,
 * serializes it ONCE and signs those bytes. `chain` is the signer's chain, DER, leaf first; the
 * key must be the leaf's.
 */
export function signGrant(body: GrantBody, privateKey: Sm2PrivateKey, chain: readonly Uint8Array[]): SignedGrant {
  const [leafDer] = chain;
  if (leafDer === undefined) throw new GrantsError("invalid-argument", "signGrant needs the signer's chain");
  const leaf = parseCertificate(leafDer);
  if (!constantTimeEqual(leaf.publicKey.point, privateKey.publicKey.point)) {
    throw new GrantsError("invalid-argument", "the private key is not the chain's leaf key");
  }
  const bytes = encodeGrantBody(body);
  return {
    body: Buffer.from(bytes),
    signature: Buffer.from(sm2Sign(privateKey, bytes)),
    signerChain: chain.map((der) => Buffer.from(der)),
  };
}
