import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CertsErrorCode, isCertsError } from "../error.js";
import { day, fixedNow, type Issued, makeCa, makeLeaf, makeRoot } from "../testing/pki-fixtures.js";
import type { Certificate } from "../x509/certificate.js";
import { type Crl, createCrl } from "../x509/crl.js";
import { createPathValidationCache } from "./path-cache.js";
import { type PathValidationOptions, validateCertificatePath } from "./validate-path.js";

const rejects = (code: CertsErrorCode) => (e: unknown) => {
  assert.ok(isCertsError(e), `expected CertsError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};
const at = (offsetMs: number) => new Date(fixedNow.getTime() + offsetMs);

function crlOf(ca: Issued, revoked: readonly { cert: Certificate; at: Date }[] = [], n = 1n): Crl {
  return createCrl({
    issuer: ca.cert,
    issuerKey: ca.key,
    thisUpdate: at(-day),
    nextUpdate: at(7 * day),
    crlNumber: n,
    entries: revoked.map((r) => ({ serialHex: r.cert.serialHex, revocationDate: r.at })),
  });
}

describe("createPathValidationCache", () => {
  let root: Issued;
  let ca: Issued;
  let leaf: Issued;
  let crls: Crl[];
  let options: PathValidationOptions;

  before(() => {
    root = makeRoot();
    ca = makeCa(root, { commonName: "Guangdong CA", province: "Guangdong" });
    // Expires 5 days after fixedNow, before the CRLs go stale (7 days), so expiry is tested on its own.
    leaf = makeLeaf(ca, "prov:440000", { notAfter: at(5 * day) });
    crls = [crlOf(root), crlOf(ca)];
    options = { trustAnchors: [root.cert], crls, time: fixedNow, revocation: "require", requiredEku: "clientAuth" };
  });

  it("answers a repeated validation from the cache with the fresh answer", () => {
    const cache = createPathValidationCache();
    const fresh = validateCertificatePath(leaf.cert, { ...options, intermediates: [ca.cert] });
    const first = cache.validate([leaf.cert, ca.cert], options);
    assert.equal(cache.size, 1);
    const again = cache.validate([leaf.cert, ca.cert], { ...options, time: at(3_600_000) });
    assert.equal(again, first, "a hit returns the cached path");
    assert.equal(again.partyId, fresh.partyId);
    assert.deepEqual(
      again.chain.map((c) => c.serialHex),
      fresh.chain.map((c) => c.serialHex),
    );
  });

  it("refuses a certificate revoked by an updated CRL set, on what was a hit", () => {
    const cache = createPathValidationCache();
    cache.validate([leaf.cert, ca.cert], options);
    const updated = [crls[0] as Crl, crlOf(ca, [{ cert: leaf.cert, at: at(-60_000) }], 2n)];
    assert.throws(() => cache.validate([leaf.cert, ca.cert], { ...options, crls: updated }), rejects("revoked"));
    // The old set is still the old answer (it is another key), the new one never passes.
    assert.equal(cache.validate([leaf.cert, ca.cert], options).partyId, "prov:440000");
    assert.throws(() => cache.validate([leaf.cert, ca.cert], { ...options, crls: updated }), rejects("revoked"));
  });

  it("refuses a certificate whose revocation date, in the same CRL set, has come by the time of the hit", () => {
    const cache = createPathValidationCache();
    const later = [crls[0] as Crl, crlOf(ca, [{ cert: leaf.cert, at: at(2 * day) }], 3n)];
    assert.equal(cache.validate([leaf.cert, ca.cert], { ...options, crls: later }).partyId, "prov:440000");
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, crls: later, time: at(2 * day) }),
      rejects("revoked"),
    );
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, crls: later, time: at(3 * day) }),
      rejects("revoked"),
    );
  });

  it("refuses an expired certificate (and a not yet valid one) on what was a hit", () => {
    const cache = createPathValidationCache();
    cache.validate([leaf.cert, ca.cert], options);
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, time: at(5 * day + 1000) }),
      rejects("expired"),
    );
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, time: at(-31 * day) }),
      rejects("not-yet-valid"),
    );
  });

  it("refuses once the CRLs have gone stale, on what was a hit", () => {
    const cache = createPathValidationCache();
    const longLeaf = makeLeaf(ca, "prov:440000");
    cache.validate([longLeaf.cert, ca.cert], options);
    assert.throws(
      () => cache.validate([longLeaf.cert, ca.cert], { ...options, time: at(8 * day) }),
      rejects("crl-stale"),
    );
  });

  it("misses for a different chain, trust set or options, and each answers as a fresh validation would", () => {
    const cache = createPathValidationCache();
    cache.validate([leaf.cert, ca.cert], options);
    const other = makeLeaf(ca, "prov:440000/desk");
    assert.equal(cache.validate([other.cert, ca.cert], options).partyId, "prov:440000/desk");
    assert.equal(cache.size, 2);
    // Another anchor set: the chain does not reach it.
    const otherRoot = makeRoot({ commonName: "another root" });
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, trustAnchors: [otherRoot.cert] }),
      rejects("untrusted"),
    );
    // Other options: the EKU or the party the caller expects.
    const serverOnly = makeLeaf(ca, "prov:440000", { extKeyUsage: ["serverAuth"] });
    assert.throws(() => cache.validate([serverOnly.cert, ca.cert], options), rejects("wrong-usage"));
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, expectedPartyId: "prov:510000" }),
      rejects("wrong-party"),
    );
    // Without the intermediate, there is no path (the cached one is not reused for another chain).
    assert.throws(() => cache.validate([leaf.cert], options), rejects("untrusted"));
    // No CRLs: required revocation fails, though the same chain is cached with CRLs.
    assert.throws(() => cache.validate([leaf.cert, ca.cert], { ...options, crls: [] }), rejects("crl-missing"));
  });

  it("keeps no refusal: a chain refused once is validated afresh every time", () => {
    const cache = createPathValidationCache();
    assert.throws(() => cache.validate([leaf.cert, ca.cert], { ...options, crls: [] }), rejects("crl-missing"));
    assert.equal(cache.size, 0);
  });

  it("keeps nothing validated exactly on an instant where the answer changes", () => {
    const cache = createPathValidationCache();
    // At exactly notAfter the leaf is valid; a millisecond later it is not.
    cache.validate([leaf.cert, ca.cert], { ...options, time: leaf.cert.notAfter });
    assert.equal(cache.size, 0);
    assert.throws(
      () => cache.validate([leaf.cert, ca.cert], { ...options, time: new Date(leaf.cert.notAfter.getTime() + 1) }),
      rejects("expired"),
    );
  });

  it("is bounded, dropping the least recently used entry", () => {
    const cache = createPathValidationCache({ maxEntries: 2 });
    const a = makeLeaf(ca, "prov:440000/a");
    const b = makeLeaf(ca, "prov:440000/b");
    cache.validate([leaf.cert, ca.cert], options);
    cache.validate([a.cert, ca.cert], options);
    cache.validate([leaf.cert, ca.cert], options); // leaf is now the most recent
    cache.validate([b.cert, ca.cert], options); // drops a
    assert.equal(cache.size, 2);
    assert.equal(cache.validate([a.cert, ca.cert], options).partyId, "prov:440000/a");
  });
});
