import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConsumeResult, GrantInput } from "./port/grant-store.js";
import type { OutboxMessageInput } from "./port/outbox-store.js";
import {
  adaptersUnderTest,
  postgresAdapter,
  rejectsWith,
  type StoreUnderTest,
  startStoreChild,
  subjectDigest,
} from "./testing-stores.js";

const t0 = 1_760_000_000_000;
const day = 86_400_000;

function grant(id: string, overrides: Partial<GrantInput> = {}): GrantInput {
  return {
    id,
    signedBytes: new Uint8Array(Buffer.from(`signed grant ${id}`)),
    grantee: "prov:440000",
    subjectDigest: subjectDigest(1),
    grantor: "app:holder",
    purpose: "BOARDING_CHECK",
    recordKind: "ticket",
    notBeforeMs: t0,
    expiresAtMs: t0 + day,
    useLimit: 3,
    ...overrides,
  };
}

for (const adapter of adaptersUnderTest) {
  describe(`grant store: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    before(async () => {
      t = await adapter.open();
    });
    after(async () => {
      await t?.cleanup();
    });

    it("registers a grant and reads it back exactly, active with no uses", async () => {
      const g = grant("g-read");
      assert.deepEqual(await t.store.registerGrant(g, t0 - 5), { created: true });
      assert.deepEqual(await t.store.getGrant("g-read"), {
        ...g,
        uses: 0,
        status: "active",
        registeredAtMs: t0 - 5,
        revocationBytes: null,
        revokedAtMs: null,
      });
      assert.equal(await t.store.getGrant("g-none"), undefined);
    });

    it("registration is idempotent for the same bytes and a conflict for other bytes", async () => {
      const g = grant("g-idem");
      assert.deepEqual(await t.store.registerGrant(g, t0), { created: true });
      assert.deepEqual(await t.store.registerGrant(g, t0 + 1), { created: false });
      await rejectsWith(
        t.store.registerGrant({ ...g, signedBytes: new Uint8Array(Buffer.from("forged")) }, t0),
        "conflict",
      );
      // The first registration stands.
      assert.equal((await t.store.getGrant("g-idem"))?.registeredAtMs, t0);
    });

    it("refuses malformed grants", async () => {
      await rejectsWith(
        t.store.registerGrant(grant("g-bad", { subjectDigest: new Uint8Array(16) }), t0),
        "invalid-argument",
      );
      await rejectsWith(t.store.registerGrant(grant("g-bad", { useLimit: 0 }), t0), "invalid-argument");
      await rejectsWith(t.store.registerGrant(grant("g-bad", { expiresAtMs: t0 }), t0), "invalid-argument");
      await rejectsWith(t.store.registerGrant(grant(""), t0), "invalid-argument");
      assert.equal(await t.store.getGrant("g-bad"), undefined);
    });

    it("consumeUse counts uses up to the limit, then refuses as used-up", async () => {
      await t.store.registerGrant(grant("g-count", { useLimit: 2 }), t0);
      assert.deepEqual(await t.store.consumeUse("g-count", t0 + 1), { ok: true, uses: 1, useLimit: 2 });
      assert.deepEqual(await t.store.consumeUse("g-count", t0 + 2), { ok: true, uses: 2, useLimit: 2 });
      assert.deepEqual(await t.store.consumeUse("g-count", t0 + 3), { ok: false, reason: "used-up" });
      assert.equal((await t.store.getGrant("g-count"))?.uses, 2);
    });

    it("consumeUse refuses outside the validity window and for unknown grants, without counting", async () => {
      await t.store.registerGrant(grant("g-window"), t0);
      assert.deepEqual(await t.store.consumeUse("g-window", t0 - 1), { ok: false, reason: "not-yet-valid" });
      assert.deepEqual(await t.store.consumeUse("g-window", t0 + day), { ok: false, reason: "expired" });
      assert.deepEqual(await t.store.consumeUse("g-nope", t0), { ok: false, reason: "not-found" });
      assert.equal((await t.store.getGrant("g-window"))?.uses, 0);
      // The window's edges: notBefore inclusive, expiresAt exclusive.
      assert.equal((await t.store.consumeUse("g-window", t0)).ok, true);
      assert.equal((await t.store.consumeUse("g-window", t0 + day - 1)).ok, true);
    });

    it("revocation stores the signed revocation, is idempotent, and stops uses", async () => {
      await t.store.registerGrant(grant("g-rev"), t0);
      const revocation = new Uint8Array(Buffer.from("signed revocation"));
      assert.deepEqual(await t.store.revokeGrant("g-rev", revocation, t0 + 10), { revoked: true });
      assert.deepEqual(await t.store.revokeGrant("g-rev", new Uint8Array([1]), t0 + 20), { revoked: false });
      const stored = await t.store.getGrant("g-rev");
      assert.equal(stored?.status, "revoked");
      assert.deepEqual(stored?.revocationBytes, revocation);
      assert.equal(stored?.revokedAtMs, t0 + 10);
      assert.deepEqual(await t.store.consumeUse("g-rev", t0 + 30), { ok: false, reason: "revoked" });
      await rejectsWith(t.store.revokeGrant("g-unknown", revocation, t0), "not-found");
      await rejectsWith(t.store.revokeGrant("g-rev", new Uint8Array(0), t0), "invalid-argument");
    });

    it("refundUse gives back one counted use, never below zero", async () => {
      await t.store.registerGrant(grant("g-refund", { useLimit: 1 }), t0);
      assert.deepEqual(await t.store.refundUse("g-refund"), { refunded: false }, "nothing counted yet");
      assert.equal((await t.store.consumeUse("g-refund", t0 + 1)).ok, true);
      assert.deepEqual(await t.store.consumeUse("g-refund", t0 + 1), { ok: false, reason: "used-up" });
      assert.deepEqual(await t.store.refundUse("g-refund"), { refunded: true });
      assert.equal((await t.store.getGrant("g-refund"))?.uses, 0);
      assert.equal((await t.store.consumeUse("g-refund", t0 + 1)).ok, true, "the use is there again");
      assert.deepEqual(await t.store.refundUse("g-none"), { refunded: false });
    });

    it("records a revocation once, with its outbox messages in the same transaction", async () => {
      const rev = (n: number) => ({
        grantId: "g-rev",
        digest: new Uint8Array(32).fill(n),
        revocationBytes: new Uint8Array([n, 1, 2]),
        purpose: 4,
      });
      const notice = (n: number, peer: string): OutboxMessageInput => ({
        topic: "grant-revocation",
        destination: peer,
        idempotencyKey: `g-rev/${n}`,
        orderingKey: null,
        payload: new Uint8Array([n]),
      });
      assert.deepEqual(
        await t.store.recordRevocation(rev(1), [notice(1, "mot"), notice(1, "prov:440000"), notice(1, "mot")], t0),
        { fresh: true },
      );
      assert.deepEqual(await t.store.recordRevocation(rev(1), [notice(1, "rail:cr")], t0 + 1), { fresh: false });
      assert.deepEqual(await t.store.recordRevocation(rev(2), [], t0 + 2), { fresh: true });
      assert.deepEqual(
        (await t.store.revocationsFor("g-rev")).map((b) => [...b]),
        [
          [1, 1, 2],
          [2, 1, 2],
        ],
      );
      assert.deepEqual(await t.store.revocationsFor("g-other"), []);
      const { messages } = await t.store.listOutbox({ topic: "grant-revocation", pageSize: 10 }, t0);
      assert.deepEqual(
        messages.map((m) => [m.destination, m.idempotencyKey, m.attempts, m.createdMs, [...m.payload]]),
        [
          ["mot", "g-rev/1", 0, t0, [1]],
          ["prov:440000", "g-rev/1", 0, t0, [1]],
        ],
        "one message per peer (the repeated one once), none for the repeated revocation",
      );
      // A bad message fails the whole transaction: the revocation is not recorded either.
      await rejectsWith(
        t.store.recordRevocation(rev(5), [{ ...notice(5, "mot"), topic: "Bad Topic" }], t0),
        "invalid-argument",
      );
      assert.equal((await t.store.revocationsFor("g-rev")).length, 2);
      await rejectsWith(t.store.recordRevocation({ ...rev(3), digest: new Uint8Array(3) }, [], t0), "invalid-argument");
    });

    it("lists by grantee, by subject digest and by purpose, paged in id order", async () => {
      for (let i = 0; i < 7; i++) {
        await t.store.registerGrant(
          grant(`list-${i}`, {
            grantee: i < 5 ? "rail:cr" : "air:caac",
            subjectDigest: subjectDigest(10 + (i % 2)),
            ...(i % 3 === 0 ? { purpose: "REGULATORY_SUPERVISION" } : {}),
          }),
          t0,
        );
      }
      const ids: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await t.store.listGrantsByGrantee(
          "rail:cr",
          pageToken === undefined ? { pageSize: 2 } : { pageSize: 2, pageToken },
        );
        assert.ok(page.grants.length <= 2);
        ids.push(...page.grants.map((g) => g.id));
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      assert.deepEqual(ids, ["list-0", "list-1", "list-2", "list-3", "list-4"]);

      const bySubject = await t.store.listGrantsBySubject(subjectDigest(11), { pageSize: 10 });
      assert.deepEqual(
        bySubject.grants.map((g) => g.id),
        ["list-1", "list-3", "list-5"],
      );
      assert.equal(bySubject.nextPageToken, undefined);
      // By purpose: every grant of it, whoever the grantee or subject, across pages.
      const first = await t.store.listGrantsByPurpose("REGULATORY_SUPERVISION", { pageSize: 2 });
      assert.deepEqual(
        first.grants.map((g) => [g.id, g.purpose]),
        [
          ["list-0", "REGULATORY_SUPERVISION"],
          ["list-3", "REGULATORY_SUPERVISION"],
        ],
      );
      assert.ok(first.nextPageToken !== undefined);
      const rest = await t.store.listGrantsByPurpose("REGULATORY_SUPERVISION", {
        pageSize: 2,
        pageToken: first.nextPageToken,
      });
      assert.deepEqual(
        rest.grants.map((g) => g.id),
        ["list-6"],
      );
      assert.equal(rest.nextPageToken, undefined);
      assert.deepEqual((await t.store.listGrantsByPurpose("EMERGENCY", { pageSize: 10 })).grants, []);
      await rejectsWith(t.store.listGrantsByPurpose("EMERGENCY", { pageSize: 0 }), "invalid-argument");
      await rejectsWith(t.store.listGrantsByGrantee("rail:cr", { pageSize: 2, pageToken: "a" }), "invalid-argument");
      await rejectsWith(t.store.listGrantsByGrantee("rail:cr", { pageSize: 0 }), "invalid-argument");
    });

    it("50 concurrent consumeUse on a grant with limit 7: exactly 7 succeed", async () => {
      await t.store.registerGrant(grant("g-race", { useLimit: 7 }), t0);
      // On PostgreSQL, spread the calls over several stores (several pools) as replicas would be.
      const stores = [t.store, await t.openAnother(), await t.openAnother()];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (stores[i % stores.length] ?? t.store).consumeUse("g-race", t0 + 1)),
      );
      const ok = results.filter((r): r is Extract<ConsumeResult, { ok: true }> => r.ok);
      assert.equal(ok.length, 7);
      assert.deepEqual(
        ok.map((r) => r.uses).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.ok(results.every((r) => r.ok || r.reason === "used-up"));
      assert.equal((await t.store.getGrant("g-race"))?.uses, 7);
    });
  });
}

describe("grant store across processes: postgres", { skip: postgresAdapter.skip }, () => {
  it("two processes × 25 concurrent consumeUse on a grant with limit 7: exactly 7 succeed", async () => {
    const t = await postgresAdapter.open();
    try {
      await t.store.registerGrant(grant("g-procs", { useLimit: 7 }), t0);
      const children = [0, 1].map(() =>
        startStoreChild({ location: t.location, mode: "consume", grantId: "g-procs", count: 25, nowMs: t0 + 1 }),
      );
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const results = (await Promise.all(children.map((c) => c.result))) as { ok: number }[];
      assert.equal(
        results.reduce((a, r) => a + r.ok, 0),
        7,
      );
      assert.equal((await t.store.getGrant("g-procs"))?.uses, 7);
    } finally {
      await t.cleanup();
    }
  });
});
