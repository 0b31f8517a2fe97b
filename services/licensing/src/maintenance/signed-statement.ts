import type { Crl, Sm2PrivateKey } from "@hutong/certs";
import { sm2Sign, sm2Verify } from "@hutong/certs";
import type { SignedStatement } from "@hutong/proto";
import { isSessionError, parsePeerChain, type TrustStore, validatePeerChain } from "@hutong/session";

// A statement a party makes and signs (a maintenance request, a decision): SM2 over the exact
// encoded bytes, so nothing has to be canonicalised again to check it, by anyone, later.

/** A party's signing credentials: its key and its chain (leaf first, DER). */
export interface StatementSigner {
  readonly key: Sm2PrivateKey;
  readonly chain: readonly Uint8Array[];
}

export function signStatement(signer: StatementSigner, body: Uint8Array): SignedStatement {
  const [leaf, ...intermediates] = signer.chain;
  if (leaf === undefined) throw new Error("a signer needs a certificate");
  return {
    body: Buffer.from(body),
    signature: Buffer.from(sm2Sign(signer.key, body)),
    signerCertificate: Buffer.from(leaf),
    intermediates: intermediates.map((c) => Buffer.from(c)),
  };
}

export type StatementCheck =
  | { readonly ok: true; readonly party: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether `statement` was signed by a certificate of the federation that names a party `party`
 * accepts, valid and unrevoked at `now`: its chain to the trust anchors, then the signature.
 */
export function verifyStatement(
  statement: SignedStatement,
  v: {
    readonly trust: TrustStore;
    readonly crls: readonly Crl[];
    readonly now: number;
    readonly party: (party: string) => boolean;
  },
): StatementCheck {
  try {
    const chain = parsePeerChain([statement.signerCertificate, ...statement.intermediates]);
    const path = validatePeerChain(chain, { trust: v.trust, crls: v.crls, now: v.now, requiredEku: "clientAuth" });
    if (!v.party(path.partyId)) return { ok: false, reason: `signed by ${path.partyId}, who may not make it` };
    if (!sm2Verify(path.leaf.publicKey, statement.body, statement.signature)) {
      return { ok: false, reason: "the signature does not verify over the statement" };
    }
    return { ok: true, party: path.partyId };
  } catch (e) {
    if (isSessionError(e)) return { ok: false, reason: `the signer's certificate: ${e.message}` };
    throw e;
  }
}
