import {
  type Certificate,
  type Crl,
  isCertsError,
  parseCertificate,
  type ValidatedPath,
  validateCertificatePath,
} from "@hutong/certs";
import { GrantsError } from "./grants-error.js";
import { subjectDigestFromUri, subjectUriPrefix } from "./subject-uri.js";

/** Trust and revocation inputs shared by grant and revocation verification. */
export interface SignerTrust {
  /** Federation trust anchors: AUTHORITY grantors and party revokers chain to these. */
  readonly trustAnchors: readonly Certificate[];
  /**
   * The holder apps' CAs: HOLDER grantors chain to these and only these. Kept apart from the
   * federation anchors so a province CA cannot mint a holder's consent, nor a holder app a party.
   */
  readonly holderTrustAnchors: readonly Certificate[];
  readonly crls?: readonly Crl[];
  /** Default "require": every certificate below the anchor needs a current CRL from its issuer. */
  readonly revocation?: "require" | "if-present" | "off";
}

/** Who a signer's leaf certificate says it is. */
export type SignerIdentity =
  | { readonly kind: "holder"; readonly subjectDigest: Uint8Array }
  | { readonly kind: "party"; readonly partyId: string };

export interface ValidatedSigner {
  readonly path: ValidatedPath;
  readonly identity: SignerIdentity;
}

function parseChain(chain: readonly Uint8Array[]): Certificate[] {
  if (chain.length === 0) throw new GrantsError("malformed", "the signer chain is empty");
  return chain.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (cause) {
      throw new GrantsError("malformed", `certificate ${i} of the signer chain does not parse`, { cause });
    }
  });
}

/**
 * The identity a leaf carries: exactly one of a subject URI (a holder) or a party id (a party).
 * Both, neither, or two subject URIs make the signer ambiguous, which is refused.
 */
export function signerIdentity(leaf: Certificate): SignerIdentity {
  const uris = leaf.extensions.subjectAltName?.uris ?? [];
  const subjectUris = uris.filter((u) => u.startsWith(subjectUriPrefix));
  if (subjectUris.length > 1) throw new GrantsError("wrong-signer", "the signer certificate names two subjects");
  const [uri] = subjectUris;
  if (uri !== undefined) {
    const digest = subjectDigestFromUri(uri);
    if (digest === undefined) throw new GrantsError("wrong-signer", "the signer certificate's subject URI is invalid");
    if (leaf.partyId !== undefined) {
      throw new GrantsError("wrong-signer", "the signer certificate names both a subject and a party");
    }
    return { kind: "holder", subjectDigest: digest };
  }
  if (leaf.partyId === undefined) throw new GrantsError("wrong-signer", "the signer certificate names no party");
  return { kind: "party", partyId: leaf.partyId };
}

/**
 * Validates a signer chain (leaf first) at `time` against the anchors its leaf's identity calls
 * for: holder certificates against the holder anchors, party certificates against the federation.
 */
export function validateSigner(chain: readonly Uint8Array[], trust: SignerTrust, time: Date): ValidatedSigner {
  const [leaf, ...intermediates] = parseChain(chain);
  if (leaf === undefined) throw new GrantsError("malformed", "the signer chain is empty");
  if (leaf.extensions.basicConstraints?.ca === true) {
    throw new GrantsError("wrong-signer", "a CA certificate does not sign grants or revocations");
  }
  const identity = signerIdentity(leaf);
  const holder = identity.kind === "holder";
  try {
    const path = validateCertificatePath(leaf, {
      trustAnchors: holder ? trust.holderTrustAnchors : trust.trustAnchors,
      intermediates,
      crls: trust.crls ?? [],
      time,
      revocation: trust.revocation ?? "require",
      requirePartyId: !holder,
    });
    return { path, identity };
  } catch (cause) {
    if (!isCertsError(cause)) throw cause;
    throw new GrantsError(
      cause.code === "malformed" ? "malformed" : "untrusted-signer",
      `the signer chain does not validate (${cause.code})`,
      { cause },
    );
  }
}
