import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sm3Hasher, treeRoot } from "@hutong/audit";
import type { StoredAuditEntry } from "./port/audit-store.js";
import { isStoreError } from "./port/store-error.js";
import { adaptersUnderTest, rejectsWith, type StoreUnderTest, sampleEntry, subjectDigest } from "./testing-stores.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

for (const adapter of adaptersUnderTest) {
  describe(`audit store: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    before(async () => {
      t = await adapter.open();
    });
    after(async () => {
      await t?.cleanup();
    });

    it("starts empty: size 0 and the hash of the empty string as root", async () => {
      const head = await t.store.head();
      assert.equal(head.size, 0);
      assert.equal(hex(head.root), hex(sm3Hasher.emptyRoot()));
      assert.equal(t.store.hash, "sm3");
      assert.equal(await t.store.entry(0), undefined);
    });

    it("appends batches with gap-free indices and keeps entries and columns exactly", async () => {
      const first = await t.store.appendBatch([0, 1, 2].map((i) => sampleEntry(i)));
      assert.equal(first.firstIndex, 0);
      assert.equal(first.head.size, 3);
      const second = await t.store.appendBatch([3, 4].map((i) => sampleEntry(i)));
      assert.equal(second.firstIndex, 3);
      assert.equal(second.head.size, 5);
      assert.deepEqual(
        second.leafHashes.map(hex),
        [3, 4].map((i) => hex(sm3Hasher.hashLeaf(sampleEntry(i).bytes))),
      );

      const leaves = [0, 1, 2, 3, 4].map((i) => sm3Hasher.hashLeaf(sampleEntry(i).bytes));
      const head = await t.store.head();
      assert.equal(head.size, 5);
      assert.equal(hex(head.root), hex(treeRoot(sm3Hasher, leaves)));

      const stored = (await t.store.entry(4)) as StoredAuditEntry;
      const input = sampleEntry(4);
      assert.deepEqual(stored, { ...input, index: 4, leafHash: leaves[4] });
      // The exact bytes, not a re-encoding.
      assert.equal(hex(stored.bytes), hex(input.bytes));
      assert.equal(await t.store.entry(5), undefined);
    });

    it("stores null columns as null and a deny with its reason", async () => {
      const size = (await t.store.head()).size;
      const entry = sampleEntry(100, { subjectDigest: null, grantId: null, decision: "deny", reason: "" });
      await t.store.appendBatch([entry]);
      const stored = await t.store.entry(size);
      assert.equal(stored?.subjectDigest, null);
      assert.equal(stored?.grantId, null);
      assert.equal(stored?.decision, "deny");
      assert.equal(stored?.reason, "");
    });

    it("an empty batch is a no-op that reports the head", async () => {
      const before = await t.store.head();
      const r = await t.store.appendBatch([]);
      assert.equal(r.firstIndex, before.size);
      assert.deepEqual(r.leafHashes, []);
      assert.equal((await t.store.head()).size, before.size);
    });

    it("refuses malformed entries before writing anything", async () => {
      const before = (await t.store.head()).size;
      await rejectsWith(
        t.store.appendBatch([sampleEntry(1), sampleEntry(2, { subjectDigest: new Uint8Array(31) })]),
        "invalid-argument",
      );
      await rejectsWith(t.store.appendBatch([sampleEntry(1, { requesterParty: "" })]), "invalid-argument");
      await rejectsWith(t.store.appendBatch([sampleEntry(1, { timeMs: 1.5 })]), "invalid-argument");
      await rejectsWith(
        t.store.appendBatch([sampleEntry(1, { decision: "maybe" as unknown as "allow" })]),
        "invalid-argument",
      );
      assert.equal((await t.store.head()).size, before);
    });

    it("reads entry ranges in index order with the tree's leaf hashes", async () => {
      const rows = await t.store.entries(1, 4);
      assert.deepEqual(
        rows.map((r) => r.index),
        [1, 2, 3],
      );
      for (const r of rows) {
        assert.equal(hex(r.bytes), hex(sampleEntry(r.index).bytes));
        assert.equal(hex(r.leafHash as Uint8Array), hex(sm3Hasher.hashLeaf(r.bytes)));
      }
      assert.deepEqual(await t.store.entries(2, 2), []);
      await rejectsWith(t.store.entries(3, 2), "invalid-argument");
      await rejectsWith(t.store.entries(0, 20_000), "invalid-argument");
    });

    it("fetches stored nodes in the order asked, and calls a missing one corrupt", async () => {
      const leaves = [0, 1, 2, 3].map((i) => sm3Hasher.hashLeaf(sampleEntry(i).bytes));
      const got = await t.store.nodes([
        { level: 2, index: 0 },
        { level: 0, index: 3 },
        { level: 1, index: 0 },
      ]);
      assert.deepEqual(got.map(hex), [
        hex(treeRoot(sm3Hasher, leaves)),
        hex(leaves[3] as Uint8Array),
        hex(treeRoot(sm3Hasher, leaves.slice(0, 2))),
      ]);
      assert.deepEqual(await t.store.nodes([]), []);
      await rejectsWith(t.store.nodes([{ level: 5, index: 0 }]), "corrupt");
    });

    it("stores checkpoints: latest, by size, same root again replaces the note, another root conflicts", async () => {
      assert.equal(await t.store.latestCheckpoint(), undefined);
      const root3 = hex(
        treeRoot(
          sm3Hasher,
          [0, 1, 2].map((i) => sm3Hasher.hashLeaf(sampleEntry(i).bytes)),
        ),
      );
      const cp3 = { size: 3, root: new Uint8Array(Buffer.from(root3, "hex")), note: "log\n3\nroot\n\n— log sig\n" };
      await t.store.saveCheckpoint(cp3);
      await t.store.saveCheckpoint({ size: 1, root: sm3Hasher.hashLeaf(sampleEntry(0).bytes), note: "one\n" });
      assert.deepEqual(await t.store.latestCheckpoint(), cp3);
      assert.equal((await t.store.checkpointAt(1))?.note, "one\n");
      assert.equal(await t.store.checkpointAt(2), undefined);
      // A cosignature arrived: same size and root, longer note.
      await t.store.saveCheckpoint({ ...cp3, note: `${cp3.note}— witness sig\n` });
      assert.equal((await t.store.checkpointAt(3))?.note, `${cp3.note}— witness sig\n`);
      await rejectsWith(t.store.saveCheckpoint({ ...cp3, root: new Uint8Array(32) }), "conflict");
      assert.equal(hex((await t.store.checkpointAt(3))?.root as Uint8Array), root3);
      await rejectsWith(t.store.saveCheckpoint({ ...cp3, root: new Uint8Array(31) }), "invalid-argument");
    });

    it("keeps everything across close and reopen", async () => {
      const head = await t.store.head();
      const another = await t.openAnother();
      assert.deepEqual(await another.head(), head);
      assert.deepEqual(await another.entry(2), await t.store.entry(2));
      await another.close();
      await rejectsWith(another.head(), "closed");
      // Closing one store leaves the other working.
      assert.equal((await t.store.head()).size, head.size);
    });
  });

  describe(`audit store closing: ${adapter.name}`, { skip: adapter.skip }, () => {
    it("close lets operations already asked for finish, and refuses later ones", async () => {
      const t = await adapter.open();
      try {
        const append = t.store.appendBatch([sampleEntry(0), sampleEntry(1)]);
        const head = t.store.head();
        const grant = t.store.getGrant("none");
        const closing = t.store.close();
        const late = Promise.allSettled([t.store.head(), t.store.appendBatch([sampleEntry(2)]), t.store.entry(0)]);
        assert.equal((await append).head.size, 2);
        assert.ok((await head).size <= 2);
        assert.equal(await grant, undefined);
        for (const r of await late) {
          assert.ok(r.status === "rejected" && isStoreError(r.reason, "closed"), String(r.status));
        }
        await closing;
        await t.store.close(); // idempotent
        const reopened = await t.openAnother();
        assert.equal((await reopened.head()).size, 2);
      } finally {
        await t.cleanup();
      }
    });
  });

  describe(`audit store queries: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    const n = 60;
    before(async () => {
      t = await adapter.open();
      await t.store.appendBatch(Array.from({ length: n }, (_, i) => sampleEntry(i)));
    });
    after(async () => {
      await t?.cleanup();
    });

    /** Every page of a query, following nextPageToken. */
    async function allPages(query: Omit<Parameters<typeof t.store.query>[0], "pageToken">) {
      const indices: number[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await t.store.query(pageToken === undefined ? query : { ...query, pageToken });
        assert.ok(page.entries.length <= query.pageSize);
        indices.push(...page.entries.map((e) => e.index));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== undefined);
      return { indices, pages };
    }

    const expected = (pred: (i: number) => boolean) =>
      Array.from({ length: n }, (_, i) => i)
        .filter(pred)
        .reverse();

    it("by subject digest, newest first, across pages", async () => {
      const { indices, pages } = await allPages({ subjectDigest: subjectDigest(2), pageSize: 5 });
      assert.deepEqual(
        indices,
        expected((i) => i % 5 === 2),
      );
      assert.equal(pages, Math.ceil(12 / 5));
    });

    it("by party, as requester or as owner", async () => {
      assert.deepEqual(
        (await allPages({ party: "prov:440000", pageSize: 7 })).indices,
        expected((i) => i % 3 === 0),
      );
      assert.deepEqual(
        (await allPages({ party: "prov:510000", pageSize: 1000 })).indices,
        expected(() => true),
      );
      assert.deepEqual((await allPages({ party: "air:caac", pageSize: 10 })).indices, []);
    });

    it("by grant and by time range (from inclusive, to exclusive), combined", async () => {
      assert.deepEqual(
        (await allPages({ grantId: "grant-2", pageSize: 4 })).indices,
        expected((i) => i % 4 === 2),
      );
      const from = 1_760_000_000_000 + 10 * 10;
      const to = 1_760_000_000_000 + 30 * 10;
      assert.deepEqual(
        (await allPages({ fromMs: from, toMs: to, pageSize: 6 })).indices,
        expected((i) => i >= 10 && i < 30),
      );
      assert.deepEqual(
        (await allPages({ fromMs: from, toMs: to, party: "prov:440000", subjectDigest: subjectDigest(0), pageSize: 3 }))
          .indices,
        expected((i) => i >= 10 && i < 30 && i % 3 === 0 && i % 5 === 0),
      );
    });

    it("matches the whole subject digest and grant id, not only the short key SQLite indexes", async () => {
      // Same first 31 bytes / same last 16 characters as the entries asked for; never returned.
      const digest = (last: number) => Uint8Array.from({ length: 32 }, (_, k) => (k === 31 ? last : 0xa7));
      const grant = (head: string) => `g1-${head}${"0123456789abcdef".repeat(2)}`;
      const { firstIndex } = await t.store.appendBatch([
        sampleEntry(n * 8, { subjectDigest: digest(1), grantId: grant("aa") }),
        sampleEntry(n * 8 + 1, { subjectDigest: digest(2), grantId: grant("bb") }),
        sampleEntry(n * 8 + 2, { subjectDigest: digest(1), grantId: grant("bb") }),
      ]);
      assert.deepEqual((await allPages({ subjectDigest: digest(1), pageSize: 10 })).indices, [
        firstIndex + 2,
        firstIndex,
      ]);
      assert.deepEqual((await allPages({ subjectDigest: digest(2), pageSize: 10 })).indices, [firstIndex + 1]);
      assert.deepEqual((await allPages({ subjectDigest: digest(3), pageSize: 10 })).indices, []);
      assert.deepEqual((await allPages({ grantId: grant("aa"), pageSize: 10 })).indices, [firstIndex]);
      assert.deepEqual((await allPages({ grantId: grant("bb"), pageSize: 1 })).indices, [
        firstIndex + 2,
        firstIndex + 1,
      ]);
      assert.deepEqual((await allPages({ grantId: grant("cc"), pageSize: 10 })).indices, []);
      assert.deepEqual((await allPages({ grantId: grant("bb"), subjectDigest: digest(2), pageSize: 10 })).indices, [
        firstIndex + 1,
      ]);
    });

    it("a page token stays valid while the log grows (new entries never shift a page)", async () => {
      const first = await t.store.query({ grantId: "grant-0", pageSize: 3 });
      await t.store.appendBatch([sampleEntry(n * 4)]); // grant-0, newer than anything on the first page
      const second = await t.store.query({ grantId: "grant-0", pageSize: 3, pageToken: first.nextPageToken as string });
      assert.ok(
        second.entries.every((e) => e.index < (first.entries.at(-1) as StoredAuditEntry).index),
        "the second page continues below the first",
      );
      assert.deepEqual(
        [...first.entries, ...second.entries].map((e) => e.index),
        expected((i) => i % 4 === 0).slice(0, 6),
      );
    });

    it("refuses bad page sizes and forged or foreign page tokens", async () => {
      await rejectsWith(t.store.query({ pageSize: 0 }), "invalid-argument");
      await rejectsWith(t.store.query({ pageSize: 1001 }), "invalid-argument");
      await rejectsWith(t.store.query({ pageSize: 5, pageToken: "not a token!" }), "invalid-argument");
      const grantToken = Buffer.from("g1:x").toString("base64url");
      await rejectsWith(t.store.query({ pageSize: 5, pageToken: grantToken }), "invalid-argument");
      const negative = Buffer.from("a1:-4").toString("base64url");
      await rejectsWith(t.store.query({ pageSize: 5, pageToken: negative }), "invalid-argument");
      await rejectsWith(t.store.query({ pageSize: 5, subjectDigest: new Uint8Array(5) }), "invalid-argument");
    });
  });

  describe(`audit store opening: ${adapter.name}`, { skip: adapter.skip }, () => {
    it("refuses to open a tree made with another hash", async () => {
      const t = await adapter.open("sm3");
      try {
        await t.store.appendBatch([sampleEntry(0)]);
        const sha = await import("./open-store.js").then((m) => m.openStore(t.location, { hash: "sha256" }));
        await sha.close();
        assert.fail("opened an SM3 tree as SHA-256");
      } catch (e) {
        assert.ok(isStoreError(e, "corrupt"), String(e));
      } finally {
        await t.cleanup();
      }
    });

    it("refuses to open when the head disagrees with the stored entries", async () => {
      const t = await adapter.open();
      try {
        await t.store.appendBatch([sampleEntry(0), sampleEntry(1)]);
        await t.sql("DELETE FROM audit_entry WHERE idx = 1");
        await rejectsWith(t.openAnother(), "corrupt");
      } finally {
        await t.cleanup();
      }
    });
  });
}
