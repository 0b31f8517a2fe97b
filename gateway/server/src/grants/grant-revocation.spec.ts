import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RevocationReason, type SignedRevocation } from "@hutong/proto";
import { revocationLabel, revocationMessage, signRevocation, verifySignedRevocation } from "./grant-revocation.js";
import { signGrant, verifySignedGrant } from "./grant-signature.js";
import { type GrantsErrorCode, isGrantsError } from "./grants-error.js";
import { authorityBody, holderBody, subjectA, subjectB } from "./testing-grants.js";
import { createTestPki, type Issued } from "./testing-pki.js";

const pki = createTestPki();
const options = { ...pki.trust, now: pki.now };
const code = (c: GrantsErrorCode) => (e: unknown) => isGrantsError(e, c);

const holderA = pki.holder(subjectA);
const holderGrant = verifySignedGrant(signGrant(holderBody(), holderA.key, pki.chain(holderA)), options);
const motIssued = pki.party("mot");
const emergencyDesk = pki.party("prov:510000/emergency");
const authorityGrant = verifySignedGrant(
  signGrant(authorityBody({ grantorParty: "prov:510000/emergency" }), emergencyDesk.key, pki.chain(emergencyDesk)),
  options,
);

const revokedAt = new Date(pki.now.getTime() - 60_000);
const terms = (grantId: string, reason = RevocationReason.REVOCATION_REASON_WITHDRAWN) => ({
  grantId,
  revokedAt,
  reason,
});
const revoke = (by: Issued, grantId = holderGrant.id, reason?: RevocationReason): SignedRevocation =>
  signRevocation(terms(grantId, reason), by.key, pki.chain(by));

describe("revocationMessage", () => {
  it("is label || grant id || revoked_at (int64 BE ms) || reason (uint32 BE)", () => {
    const m = Buffer.from(revocationMessage(terms(holderGrant.id, RevocationReason.REVOCATION_REASON_ORDERED)));
    assert.equal(m.length, 27 + 35 + 8 + 4);
    assert.equal(m.subarray(0, 27).toString("latin1"), revocationLabel);
    assert.equal(m.subarray(27, 62).toString("latin1"), holderGrant.id);
    assert.equal(m.readBigInt64BE(62), BigInt(revokedAt.getTime()));
    assert.equal(m.readUInt32BE(70), 5);
  });

  it("refuses terms it cannot sign", () => {
    for (const t of [
      terms("g1-xyz"),
      terms(holderGrant.id, RevocationReason.REVOCATION_REASON_UNSPECIFIED),
      terms(holderGrant.id, 77 as RevocationReason),
      { ...terms(holderGrant.id), revokedAt: new Date(Number.NaN) },
    ]) {
      assert.throws(() => revocationMessage(t), code("invalid-revocation"));
    }
  });
});

describe("verifySignedRevocation", () => {
  it("accepts the holder who granted", () => {
    const v = verifySignedRevocation(revoke(holderA), holderGrant, options);
    assert.equal(v.role, "grantor");
    assert.equal(v.grantId, holderGrant.id);
    assert.equal(v.revokedAt.getTime(), revokedAt.getTime());
    assert.equal(v.reason, RevocationReason.REVOCATION_REASON_WITHDRAWN);
  });

  it("accepts the grantee party (and its member's systems) giving the grant up", () => {
    for (const party of ["prov:440000", "prov:440000/desk"]) {
      const v = verifySignedRevocation(revoke(pki.party(party)), holderGrant, options);
      assert.equal(v.role, "grantee", party);
    }
  });

  it("accepts a revocation authority and an authority grantor", () => {
    assert.equal(verifySignedRevocation(revoke(motIssued), holderGrant, options).role, "authority");
    assert.equal(verifySignedRevocation(revoke(pki.party("mot/complaints")), holderGrant, options).role, "authority");
    const byGrantor = revoke(pki.party("prov:510000"), authorityGrant.id);
    assert.equal(verifySignedRevocation(byGrantor, authorityGrant, options).role, "grantor");
  });

  it("refuses anyone else", () => {
    for (const by of [pki.holder(subjectB), pki.party("prov:510000"), pki.party("rail:cr"), pki.party("org:mot")]) {
      assert.throws(() => verifySignedRevocation(revoke(by), holderGrant, options), code("wrong-signer"));
    }
    // The subject cannot revoke an authority's grant about them.
    assert.throws(
      () => verifySignedRevocation(revoke(holderA, authorityGrant.id), authorityGrant, options),
      code("wrong-signer"),
    );
  });

  it("refuses tampered terms", () => {
    const r = revoke(holderA);
    const later = { ...r, revokedAt: new Date(revokedAt.getTime() + 1) };
    const reason = { ...r, reason: RevocationReason.REVOCATION_REASON_SUPERSEDED };
    for (const t of [later, reason]) {
      assert.throws(() => verifySignedRevocation(t, holderGrant, options), code("bad-signature"));
    }
    assert.throws(
      () => verifySignedRevocation({ ...r, grantId: authorityGrant.id }, holderGrant, options),
      code("invalid-revocation"),
    );
    assert.throws(() => verifySignedRevocation(r, authorityGrant, options), code("invalid-revocation"));
    const { revokedAt: _dropped, ...noTime } = r;
    assert.throws(() => verifySignedRevocation(noTime, holderGrant, options), code("invalid-revocation"));
    assert.throws(
      () => verifySignedRevocation({ ...r, signature: Buffer.alloc(0) }, holderGrant, options),
      code("malformed"),
    );
  });

  it("refuses a revocation dated beyond the clock skew, accepts one within it", () => {
    const at = (ms: number) =>
      signRevocation({ ...terms(holderGrant.id), revokedAt: new Date(pki.now.getTime() + ms) }, holderA.key, [
        holderA.cert.der,
      ]);
    assert.equal(verifySignedRevocation(at(5 * 60_000), holderGrant, options).role, "grantor");
    assert.throws(() => verifySignedRevocation(at(5 * 60_000 + 1), holderGrant, options), code("invalid-revocation"));
  });

  it("refuses an untrusted or revoked revoker", () => {
    const rogue = createTestPki(pki.now);
    const rogueMot = rogue.party("mot");
    const crls = [...pki.crls, ...rogue.crls];
    assert.throws(
      () => verifySignedRevocation(revoke(rogueMot), holderGrant, { ...options, crls }),
      code("untrusted-signer"),
    );
    const crlsRevoked = pki.crlsRevoking(motIssued);
    assert.throws(
      () => verifySignedRevocation(revoke(motIssued), holderGrant, { ...options, crls: crlsRevoked }),
      code("untrusted-signer"),
    );
  });

  it("signRevocation refuses a key that is not the chain's leaf", () => {
    assert.throws(
      () => signRevocation(terms(holderGrant.id), motIssued.key, [holderA.cert.der]),
      code("invalid-argument"),
    );
    assert.throws(() => signRevocation(terms(holderGrant.id), motIssued.key, []), code("invalid-argument"));
  });
});
