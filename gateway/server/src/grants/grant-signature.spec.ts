import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCertificate, generateSm2PrivateKey, sm2Sign } from "@hutong/certs";
import { GrantorKind, Purpose, type SignedGrant } from "@hutong/proto";
import fc from "fast-check";
import { grantIdFor } from "./grant-codec.js";
import { checkGrantSignature, signGrant, verifySignedGrant } from "./grant-signature.js";
import { type GrantsErrorCode, isGrantsError } from "./grants-error.js";
import { subjectUri } from "./subject-uri.js";
import { authorityBody, day, holderBody, subjectA, subjectB } from "./testing-grants.js";
import { createTestPki, issueUriCertificate } from "./testing-pki.js";

const pki = createTestPki();
const options = { ...pki.trust, now: pki.now };
const holderA = pki.holder(subjectA);
const mot = pki.party("mot");
const code = (c: GrantsErrorCode) => (e: unknown) => isGrantsError(e, c);

const holderGrant = signGrant(holderBody(), holderA.key, pki.chain(holderA));
const authorityGrant = signGrant(authorityBody(), mot.key, pki.chain(mot));

function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(bytes);
  out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return out;
}

describe("verifySignedGrant", () => {
  it("verifies a holder grant signed with the subject's holder certificate", () => {
    const v = verifySignedGrant(holderGrant, options);
    assert.equal(v.id, grantIdFor(holderGrant.body));
    assert.equal(v.body.grantorKind, GrantorKind.GRANTOR_KIND_HOLDER);
    assert.ok(Buffer.from(v.bodyBytes).equals(holderGrant.body));
    assert.equal(v.signer.identity.kind, "holder");
  });

  it("verifies an authority grant signed by the grantor party", () => {
    const v = verifySignedGrant(authorityGrant, options);
    assert.equal(v.body.purpose, Purpose.PURPOSE_EMERGENCY);
    assert.deepEqual(v.signer.identity, { kind: "party", partyId: "mot" });
    assert.equal(v.signer.path.chain.length, 3);
  });

  it("refuses a body with a flipped bit in the nonce (signature over the exact bytes)", () => {
    // The nonce is the last field: its 16 bytes end the body.
    const body = flipBit(holderGrant.body, (holderGrant.body.length - 1) * 8);
    assert.throws(() => verifySignedGrant({ ...holderGrant, body }, options), code("bad-signature"));
  });

  it("never accepts a body with any bit flipped (property)", () => {
    const bits = holderGrant.body.length * 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bits - 1 }), (bit) => {
        const body = flipBit(holderGrant.body, bit);
        assert.throws(() => verifySignedGrant({ ...holderGrant, body }, options), isGrantsError);
      }),
      { numRuns: 12 },
    );
  });

  it("refuses a signature made by another key", () => {
    const other = generateSm2PrivateKey();
    const forged: SignedGrant = { ...holderGrant, signature: Buffer.from(sm2Sign(other, holderGrant.body)) };
    assert.throws(() => verifySignedGrant(forged, options), code("bad-signature"));
    assert.throws(
      () => verifySignedGrant({ ...holderGrant, signature: Buffer.from([0x30, 0x02, 0x01, 0x00]) }, options),
      code("bad-signature"),
    );
  });

  it("refuses a holder certificate for another subject", () => {
    const holderB = pki.holder(subjectB);
    const g = signGrant(holderBody(), holderB.key, pki.chain(holderB));
    assert.throws(() => verifySignedGrant(g, options), code("wrong-signer"));
  });

  it("refuses an authority certificate for another party", () => {
    const prov = pki.party("prov:510000");
    const g = signGrant(authorityBody(), prov.key, pki.chain(prov));
    assert.throws(() => verifySignedGrant(g, options), code("wrong-signer"));
    // Nor may a holder sign an authority grant, or a party a holder grant.
    const asHolder = signGrant(authorityBody(), holderA.key, pki.chain(holderA));
    assert.throws(() => verifySignedGrant(asHolder, options), code("wrong-signer"));
    const asParty = signGrant(holderBody(), mot.key, pki.chain(mot));
    assert.throws(() => verifySignedGrant(asParty, options), code("wrong-signer"));
  });

  it("refuses a signer from an untrusted CA", () => {
    const rogueRoot = createTestPki(pki.now);
    const rogueHolder = rogueRoot.holder(subjectA);
    const rogueMot = rogueRoot.party("mot");
    const crls = [...pki.crls, ...rogueRoot.crls];
    for (const g of [
      signGrant(holderBody(), rogueHolder.key, rogueRoot.chain(rogueHolder)),
      signGrant(authorityBody(), rogueMot.key, rogueRoot.chain(rogueMot)),
    ]) {
      assert.throws(() => verifySignedGrant(g, { ...options, crls }), code("untrusted-signer"));
    }
  });

  it("keeps holder and federation anchors apart", () => {
    // A federation CA cannot mint a holder's consent ...
    const fedHolder = issueUriCertificate(pki.ca, [subjectUri(subjectA)], {
      notBefore: new Date(pki.now.getTime() - day),
      notAfter: new Date(pki.now.getTime() + day),
    });
    const g1 = signGrant(holderBody(), fedHolder.key, [fedHolder.cert.der, pki.ca.cert.der]);
    assert.throws(() => verifySignedGrant(g1, options), code("untrusted-signer"));
    // ... nor can the holder app CA mint a party.
    const key = generateSm2PrivateKey();
    const appMot = createCertificate({
      subject: { commonName: "mot" },
      publicKey: key.publicKey,
      issuer: { certificate: pki.holderCa.cert, privateKey: pki.holderCa.key },
      partyId: "mot",
      notBefore: new Date(pki.now.getTime() - day),
      notAfter: new Date(pki.now.getTime() + day),
    });
    const g2 = signGrant(authorityBody(), key, [appMot.der]);
    assert.throws(() => verifySignedGrant(g2, options), code("untrusted-signer"));
  });

  it("refuses a revoked, expired or not-yet-valid signer", () => {
    const revoked = verifySignedGrant.bind(null, holderGrant, { ...options, crls: pki.crlsRevoking(holderA) });
    assert.throws(revoked, code("untrusted-signer"));
    const late = { ...options, now: new Date(pki.now.getTime() + 400 * day) };
    assert.throws(() => verifySignedGrant(authorityGrant, late), code("untrusted-signer"));
    const young = pki.party("mot", { notBefore: new Date(pki.now.getTime() + day) });
    const g = signGrant(authorityBody(), young.key, pki.chain(young));
    assert.throws(() => verifySignedGrant(g, options), code("untrusted-signer"));
    // Without any CRL, revocation cannot be checked, and the default requires it.
    assert.throws(() => verifySignedGrant(holderGrant, { ...options, crls: [] }), code("untrusted-signer"));
    assert.doesNotThrow(() => verifySignedGrant(holderGrant, { ...options, crls: [], revocation: "off" }));
  });

  it("refuses ambiguous signer certificates", () => {
    const window = { notBefore: new Date(pki.now.getTime() - day), notAfter: new Date(pki.now.getTime() + day) };
    for (const uris of [
      [subjectUri(subjectA), "urn:hutong:party:mot"],
      [subjectUri(subjectA), subjectUri(subjectB)],
      [`urn:hutong:subject:${"A1".repeat(32)}`],
    ]) {
      const leaf = issueUriCertificate(pki.holderCa, uris, window);
      const g = signGrant(holderBody(), leaf.key, [leaf.cert.der]);
      assert.throws(() => verifySignedGrant(g, options), code("wrong-signer"), uris.join(" "));
    }
    const caLeaf = issueUriCertificate(pki.holderCa, [subjectUri(subjectA)], { ...window, ca: true });
    const g = signGrant(holderBody(), caLeaf.key, [caLeaf.cert.der]);
    assert.throws(() => verifySignedGrant(g, options), code("wrong-signer"));
  });

  it("refuses malformed signer chains", () => {
    assert.throws(() => verifySignedGrant({ ...holderGrant, signerChain: [] }, options), code("malformed"));
    assert.throws(
      () => verifySignedGrant({ ...holderGrant, signerChain: [Buffer.from("not a certificate")] }, options),
      code("malformed"),
    );
  });

  it("refuses genuine grants the purpose policy does not take", () => {
    const rail = pki.party("rail:cr");
    const g1 = signGrant(authorityBody({ grantorParty: "rail:cr" }), rail.key, pki.chain(rail));
    assert.throws(() => verifySignedGrant(g1, options), code("grantor-not-allowed"));
    const g2 = signGrant(holderBody({ useLimit: 21 }), holderA.key, pki.chain(holderA));
    assert.throws(() => verifySignedGrant(g2, options), code("exceeds-policy"));
  });
});

describe("checkGrantSignature (without trust anchors)", () => {
  it("accepts a grant that holds together, whoever its anchor", () => {
    const h = checkGrantSignature(holderGrant);
    assert.equal(h.id, grantIdFor(holderGrant.body));
    assert.equal(h.identity.kind, "holder");
    assert.equal(h.chain.length, 1);
    assert.deepEqual(checkGrantSignature(authorityGrant).identity, { kind: "party", partyId: "mot" });
    // A chain from an unknown root still holds together: only the gateway judges trust.
    const rogue = createTestPki(pki.now);
    const rogueHolder = rogue.holder(subjectA);
    assert.equal(
      checkGrantSignature(signGrant(holderBody(), rogueHolder.key, rogue.chain(rogueHolder))).identity.kind,
      "holder",
    );
  });

  it("refuses a changed body or signature, another subject's certificate and the policy's refusals", () => {
    const body = flipBit(holderGrant.body, (holderGrant.body.length - 1) * 8);
    assert.throws(() => checkGrantSignature({ ...holderGrant, body }), code("bad-signature"));
    assert.throws(() => checkGrantSignature({ ...holderGrant, body: body.subarray(1) }), isGrantsError);
    const holderB = pki.holder(subjectB);
    assert.throws(
      () => checkGrantSignature({ ...holderGrant, signerChain: [Buffer.from(holderB.cert.der)] }),
      code("wrong-signer"),
    );
    assert.throws(() => checkGrantSignature({ ...holderGrant, signerChain: [] }), code("malformed"));
    const g = signGrant(holderBody({ useLimit: 21 }), holderA.key, pki.chain(holderA));
    assert.throws(() => checkGrantSignature(g), code("exceeds-policy"));
  });
});

describe("signGrant", () => {
  it("signs the exact serialized body once", () => {
    assert.ok(holderGrant.signerChain[0]?.equals(Buffer.from(holderA.cert.der)));
    assert.equal(holderGrant.signerChain.length, 1);
    assert.equal(authorityGrant.signerChain.length, 2);
  });

  it("refuses a key that is not the leaf's, an empty chain or an invalid body", () => {
    assert.throws(() => signGrant(holderBody(), mot.key, pki.chain(holderA)), code("invalid-argument"));
    assert.throws(() => signGrant(holderBody(), holderA.key, []), code("invalid-argument"));
    assert.throws(
      () => signGrant(holderBody({ recordIds: [] }), holderA.key, pki.chain(holderA)),
      code("invalid-grant"),
    );
  });
});
