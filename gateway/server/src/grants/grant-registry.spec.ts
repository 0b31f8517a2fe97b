import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sm2Sign } from "@hutong/certs";
import {
  GrantStatus,
  Purpose,
  RecordKind,
  RevocationReason,
  type SignedGrant,
  type SignedRevocation,
} from "@hutong/proto";
import { grantIdFor } from "./grant-codec.js";
import { evaluateShare, type PresentedGrant, type ShareRequest } from "./grant-evaluation.js";
import { signRevocation } from "./grant-revocation.js";
import { isGrantServiceError } from "./grant-service-error.js";
import { signGrant } from "./grant-signature.js";
import { type GrantsErrorCode, isGrantsError } from "./grants-error.js";
import { openTestRegistry, type TestRegistry } from "./testing-grant-registry.js";
import { authorityBody, day, holderBody, hour, subjectA, subjectB } from "./testing-grants.js";
import { createTestPki, type Issued } from "./testing-pki.js";

const pki = createTestPki();
const now = pki.now.getTime();
const holderA = pki.holder(subjectA);
const nonce = (n: number) => Buffer.alloc(16, n);

function holderGrant(n: number, overrides: Parameters<typeof holderBody>[0] = {}): SignedGrant {
  return signGrant(holderBody({ nonce: nonce(n), ...overrides }), holderA.key, pki.chain(holderA));
}

function revocation(grantId: string, by: Issued = holderA, at = now - 60_000): SignedRevocation {
  return signRevocation(
    { grantId, revokedAt: new Date(at), reason: RevocationReason.REVOCATION_REASON_WITHDRAWN },
    by.key,
    pki.chain(by),
  );
}

/** The final check of a fetch of ticket T1 by prov:440000 at prov:510000, as the pipeline makes it. */
function share(grant: PresentedGrant, at = now): ReturnType<typeof evaluateShare> {
  const request: ShareRequest = {
    phase: "final",
    operation: "fetch",
    recordKind: RecordKind.RECORD_KIND_E_TICKET,
    purpose: Purpose.PURPOSE_TICKET_SERVICE,
    callerParty: "prov:440000/desk",
    ownerParty: "prov:510000",
    recordId: "T1",
    subjectDigest: subjectA,
    grant,
    fieldsRequested: ["ticket"],
    now: new Date(at),
  };
  return evaluateShare(request);
}

const reason = (d: ReturnType<typeof evaluateShare>) => (d.allow ? "allow" : d.reason);
const grantsCode = (c: GrantsErrorCode) => (e: unknown) => isGrantsError(e, c);

describe("grant registry over a SQLite store", () => {
  let t: TestRegistry;
  const revoked: string[] = [];
  before(async () => {
    t = await openTestRegistry(pki, { onRevoked: (r, id) => revoked.push(`${id}@${r.revokedAt?.getTime()}`) });
  });
  after(async () => {
    await t?.close();
  });

  it("register → present → evaluateShare → consume, until the grant is used up", async () => {
    const signed = holderGrant(1);
    const { id, created } = await t.registry.register(signed, now);
    assert.equal(created, true);
    assert.match(id, /^g1-[0-9a-f]{32}$/);
    for (let i = 1; i <= 3; i++) {
      const presented = await t.registry.present(id, now);
      assert.equal(presented.outcome, "verified");
      const decision = share(presented);
      assert.ok(decision.allow && decision.consumesUse && decision.grantId === id, `share ${i}: ${reason(decision)}`);
      assert.deepEqual(await t.registry.consume(id, now), { ok: true, uses: i });
    }
    const spent = await t.registry.present(id, now);
    assert.equal(spent.outcome === "verified" && spent.state.status, GrantStatus.GRANT_STATUS_USED_UP);
    assert.equal(spent.outcome === "verified" && spent.state.uses, 3);
    assert.equal(reason(share(spent)), "grant-used-up");
    // A share that raced past the check still cannot take a fourth use.
    assert.deepEqual(await t.registry.consume(id, now), { ok: false, reason: "grant-used-up" });
    assert.equal((await t.registry.get(id, now))?.status, GrantStatus.GRANT_STATUS_USED_UP);
  });

  it("registers idempotently: the same grant again, or the same body with another signature, is not new", async () => {
    const signed = holderGrant(2);
    const first = await t.registry.register(signed, now);
    assert.deepEqual(await t.registry.register(signed, now + 1), { id: first.id, created: false });
    // SM2 signatures are randomized: a second signature over the same bytes is another encoding.
    const resigned = { ...signed, signature: Buffer.from(sm2Sign(holderA.key, signed.body)) };
    assert.notDeepEqual(resigned.signature, signed.signature);
    assert.deepEqual(await t.registry.register(resigned, now + 2), { id: first.id, created: false });
    const record = await t.registry.get(first.id, now);
    assert.deepEqual(record?.grant?.signature, signed.signature, "the first registration stands");
    assert.equal(record?.registeredAt?.getTime(), now);
  });

  it("refuses forged grants at register and stores nothing", async () => {
    const genuine = holderGrant(3);
    const id = grantIdFor(genuine.body);
    const otherBytes = Buffer.from(sm2Sign(holderA.key, Buffer.from("something else")));
    const tamperedBody = Buffer.from(genuine.body);
    const last = tamperedBody.length - 1;
    tamperedBody[last] = (tamperedBody[last] ?? 0) ^ 1; // inside the nonce: still a valid body
    const mallory = pki.holder(subjectB);
    const cases: [SignedGrant, GrantsErrorCode][] = [
      [{ ...genuine, signature: otherBytes }, "bad-signature"],
      [{ ...genuine, body: tamperedBody }, "bad-signature"],
      // Signed by someone else's holder certificate: the binding to the subject fails.
      [signGrant(holderBody({ nonce: nonce(3) }), mallory.key, pki.chain(mallory)), "wrong-signer"],
      // A party certificate cannot sign a holder's consent.
      [{ ...genuine, signerChain: pki.chain(pki.party("prov:440000")).map((c) => Buffer.from(c)) }, "wrong-signer"],
      [holderGrant(3, { useLimit: 50 }), "exceeds-policy"],
      [{ ...genuine, signerChain: [] }, "malformed"],
    ];
    for (const [signed, code] of cases) {
      await assert.rejects(t.registry.register(signed, now), grantsCode(code), code);
    }
    assert.equal(await t.registry.get(id, now), undefined);
    assert.deepEqual(await t.registry.present(id, now), { outcome: "not-found", id });
  });

  it("a revoked signer certificate is refused at register", async () => {
    const revokedHolder = pki.holder(subjectA);
    const signed = signGrant(holderBody({ nonce: nonce(4) }), revokedHolder.key, pki.chain(revokedHolder));
    const saved = t.crls;
    t.crls = pki.crlsRevoking(revokedHolder);
    try {
      await assert.rejects(t.registry.register(signed, now), grantsCode("untrusted-signer"));
    } finally {
      t.crls = saved;
    }
  });

  it("revoke: present shows REVOKED, shares and uses are refused, a repeat changes nothing", async () => {
    const { id } = await t.registry.register(holderGrant(5), now);
    const r = revocation(id);
    const first = await t.registry.revoke(r, now);
    assert.deepEqual([first.revoked, first.held, first.fresh], [true, true, true]);
    assert.deepEqual(revoked, [`${id}@${now - 60_000}`]);
    const presented = await t.registry.present(id, now);
    assert.equal(presented.outcome === "verified" && presented.state.status, GrantStatus.GRANT_STATUS_REVOKED);
    assert.equal(reason(share(presented)), "grant-revoked");
    assert.deepEqual(await t.registry.consume(id, now), { ok: false, reason: "grant-revoked" });

    // Again, and by another entitled revoker: the first revocation stays, nothing is propagated twice.
    const again = await t.registry.revoke(r, now + 1);
    assert.deepEqual([again.revoked, again.held, again.fresh], [false, true, false], "seen: not passed on again");
    const byMot = await t.registry.revoke(revocation(id, pki.party("mot"), now - 1), now + 1);
    assert.deepEqual([byMot.revoked, byMot.held, byMot.fresh], [false, true, true], "another revocation is new");
    assert.equal(revoked.length, 1);
    const record = await t.registry.get(id, now);
    assert.equal(record?.status, GrantStatus.GRANT_STATUS_REVOKED);
    assert.equal(record?.revokedAt?.getTime(), now - 60_000);
    assert.equal(record?.revokedReason, RevocationReason.REVOCATION_REASON_WITHDRAWN);
    assert.deepEqual(record?.revocation?.signature, r.signature);
  });

  it("revoke records a revocation of a grant not held here (no grant stored); refuses a stranger and a forgery", async () => {
    const unknown = "g1-00000000000000000000000000000000";
    const outcome = await t.registry.revoke(revocation(unknown), now);
    assert.deepEqual([outcome.revoked, outcome.held, outcome.fresh], [false, false, true]);
    assert.equal(await t.store.getGrant(unknown), undefined);
    assert.equal((await t.store.revocationsFor(unknown)).length, 1);
    // Not held, only the signature can be checked: a forged one is refused and not recorded.
    const forgedUnknown = { ...revocation("g1-11111111111111111111111111111111"), reason: 2 };
    await assert.rejects(t.registry.revoke(forgedUnknown, now), grantsCode("bad-signature"));
    assert.deepEqual(await t.store.revocationsFor(forgedUnknown.grantId), []);
    await assert.rejects(
      t.registry.revoke({ ...revocation(unknown), grantId: "g1-x" }, now),
      grantsCode("invalid-revocation"),
    );

    const { id } = await t.registry.register(holderGrant(6), now);
    await assert.rejects(t.registry.revoke(revocation(id, pki.party("rail:cr")), now), grantsCode("wrong-signer"));
    const forged = { ...revocation(id), reason: RevocationReason.REVOCATION_REASON_ORDERED };
    await assert.rejects(t.registry.revoke(forged, now), grantsCode("bad-signature"));
    await assert.rejects(t.registry.revoke(revocation(id, holderA, now + hour), now), grantsCode("invalid-revocation"));
    assert.equal((await t.registry.get(id, now))?.status, GrantStatus.GRANT_STATUS_ACTIVE);
    assert.equal(
      revoked.every((r) => !r.startsWith(id)),
      true,
    );
  });

  it("50 concurrent consumes of a limit-7 grant: exactly 7 succeed, each with its own count", async () => {
    const { id } = await t.registry.register(holderGrant(7, { useLimit: 7 }), now);
    const results = await Promise.all(Array.from({ length: 50 }, () => t.registry.consume(id, now)));
    const ok = results.flatMap((r) => (r.ok ? [r.uses] : []));
    assert.deepEqual(
      ok.sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(results.every((r) => r.ok || r.reason === "grant-used-up"));
    assert.equal((await t.registry.get(id, now))?.uses, 7);
  });

  it("derives EXPIRED from the clock and refuses uses outside the window", async () => {
    const { id } = await t.registry.register(holderGrant(8, { expiresAt: new Date(now + 2 * day) }), now);
    const later = now + 3 * day;
    const presented = await t.registry.present(id, later);
    assert.equal(presented.outcome === "verified" && presented.state.status, GrantStatus.GRANT_STATUS_EXPIRED);
    assert.equal(reason(share(presented, later)), "grant-expired");
    assert.deepEqual(await t.registry.consume(id, later), { ok: false, reason: "grant-expired" });
    assert.deepEqual(await t.registry.consume(id, now - 2 * hour), { ok: false, reason: "grant-not-yet-valid" });
    assert.deepEqual(await t.registry.consume("g1-11111111111111111111111111111111", now), {
      ok: false,
      reason: "grant-not-found",
    });
    assert.deepEqual(await t.registry.consume("not a grant id", now), { ok: false, reason: "grant-not-found" });
  });

  it("present re-verifies when the CRLs change: a signer revoked after registration is refused", async () => {
    const signer = pki.holder(subjectA);
    const { id } = await t.registry.register(
      signGrant(holderBody({ nonce: nonce(9) }), signer.key, pki.chain(signer)),
      now,
    );
    assert.equal((await t.registry.present(id, now)).outcome, "verified");
    const saved = t.crls;
    t.crls = pki.crlsRevoking(signer);
    try {
      const presented = await t.registry.present(id, now);
      assert.deepEqual(presented, { outcome: "refused", id, code: "untrusted-signer" });
      assert.equal(reason(share(presented)), "grant-forged");
    } finally {
      t.crls = saved;
    }
    assert.equal((await t.registry.present(id, now)).outcome, "verified");
    // Past the CRLs' next update the cached result must not be used: revocation is required.
    assert.equal((await t.registry.present(id, now + 8 * day)).outcome, "refused");
  });

  it("an unlimited authority grant (use_limit 0) registers and counts without a cap", async () => {
    const mot = pki.party("mot");
    const signed = signGrant(authorityBody({ nonce: nonce(10) }), mot.key, pki.chain(mot));
    const { id } = await t.registry.register(signed, now);
    for (let i = 1; i <= 25; i++) assert.deepEqual(await t.registry.consume(id, now), { ok: true, uses: i });
    const presented = await t.registry.present(id, now);
    assert.equal(presented.outcome === "verified" && presented.state.status, GrantStatus.GRANT_STATUS_ACTIVE);
    assert.equal(presented.outcome === "verified" && presented.grant.body.useLimit, 0);
  });

  it("lists by exact grantee and by subject, page by page", async () => {
    const desk = await t.registry.register(holderGrant(11, { granteeParty: "prov:650000/desk" }), now);
    const other = await t.registry.register(holderGrant(12, { granteeParty: "prov:650000/desk" }), now);
    const b = pki.holder(subjectB);
    const ofB = await t.registry.register(
      signGrant(holderBody({ nonce: nonce(13), subjectDigest: Buffer.from(subjectB) }), b.key, pki.chain(b)),
      now,
    );
    const first = await t.registry.list({ grantee: "prov:650000/desk" }, { pageSize: 1 }, now);
    assert.equal(first.records.length, 1);
    assert.ok(first.nextPageToken !== undefined);
    const second = await t.registry.list(
      { grantee: "prov:650000/desk" },
      { pageSize: 1, pageToken: first.nextPageToken },
      now,
    );
    assert.equal(second.nextPageToken, undefined);
    assert.deepEqual([...first.records, ...second.records].map((r) => r.grantId).sort(), [desk.id, other.id].sort());
    assert.deepEqual((await t.registry.list({ grantee: "prov:650000" }, { pageSize: 10 }, now)).records, []);
    const bySubject = await t.registry.list({ subjectDigest: subjectB }, { pageSize: 10 }, now);
    assert.deepEqual(
      bySubject.records.map((r) => r.grantId),
      [ofB.id],
    );
    assert.equal(bySubject.records[0]?.status, GrantStatus.GRANT_STATUS_ACTIVE);
    await assert.rejects(
      t.registry.list({ grantee: "prov:650000/desk" }, { pageSize: 1, pageToken: "bm90LWEtdG9rZW4" }, now),
      (e) => isGrantServiceError(e, "invalid-request"),
    );
  });

  it("a closed store is reported as unavailable, not as an internal error", async () => {
    const other = await openTestRegistry(pki);
    await other.store.close();
    try {
      await assert.rejects(other.registry.get("g1-00000000000000000000000000000000"), (e) =>
        isGrantServiceError(e, "unavailable"),
      );
    } finally {
      await other.close();
    }
  });
});
