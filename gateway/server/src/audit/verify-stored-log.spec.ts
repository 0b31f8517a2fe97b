import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  type AuditHead,
  type ExportedAuditEntry,
  type LogVerification,
  sm3Hasher,
  verifyLogStream,
} from "@hutong/audit";
import { adaptersUnderTest, type StoreUnderTest, sampleEntry } from "../testing.js";
import { createAuditReader } from "./audit-reader.js";
import { verifyStoredLog } from "./verify-stored-log.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const n = 40;

/** The fields a verdict is judged by (the recomputed root is checked separately where it matters). */
const verdict = (v: LogVerification) => ({
  ok: v.ok,
  problem: v.problem,
  firstBadIndex: v.firstBadIndex,
});

const tampered = (i: number) => sampleEntry(i, { bytes: new Uint8Array(Buffer.from(`forged entry ${i}`)) }).bytes;

/** Renumbers rows with idx in [from, ∞) by `delta`, in two steps so no step collides with the primary key. */
async function shift(t: StoreUnderTest, from: number, delta: number): Promise<void> {
  await t.sql(`UPDATE audit_entry SET idx = -idx - 10 WHERE idx >= ${from}`);
  await t.sql(`UPDATE audit_entry SET idx = -idx - 10 + (${delta}) WHERE idx < 0`);
}

for (const adapter of adaptersUnderTest) {
  describe(`verifyStoredLog: tamper evidence: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    let checkpoint: AuditHead;
    beforeEach(async () => {
      t = await adapter.open();
      await t.store.appendBatch(Array.from({ length: n }, (_, i) => sampleEntry(i)));
      checkpoint = await t.store.head();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it("an intact log verifies, also after it has grown past the checkpoint, reporting progress", async () => {
      const progress: [number, number][] = [];
      const v = await verifyStoredLog(t.store, checkpoint, {
        onProgress: (done, total) => progress.push([done, total]),
        progressEvery: 16,
      });
      assert.deepEqual(verdict(v), { ok: true, problem: undefined, firstBadIndex: undefined });
      assert.equal(v.checked, n);
      assert.equal(hex(v.root), hex(checkpoint.root));
      assert.deepEqual(progress, [
        [16, n],
        [32, n],
        [n, n],
      ]);
      await t.store.appendBatch([sampleEntry(n)]);
      assert.equal((await verifyStoredLog(t.store, checkpoint)).ok, true);
      // An older checkpoint of the same log verifies too; a made-up one does not.
      const root7 = await createAuditReader(t.store, sm3Hasher).rootAt(7);
      assert.equal((await verifyStoredLog(t.store, { size: 7, root: root7 })).checked, 7);
      assert.equal((await verifyStoredLog(t.store, { size: 7, root: root7 })).ok, true);
      assert.equal((await verifyStoredLog(t.store, { size: 7, root: checkpoint.root })).ok, false);
    });

    it("a changed entry is found: the first bad index", async () => {
      await t.sql(`UPDATE audit_entry SET bytes = ${t.blob(tampered(13))} WHERE idx = 13`);
      await t.sql(`UPDATE audit_entry SET bytes = ${t.blob(tampered(30))} WHERE idx = 30`);
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "entry-mismatch",
        firstBadIndex: 13,
      });
    });

    it("a changed entry whose leaf hash column was rewritten too is still found (the tree table is separate)", async () => {
      await t.sql(
        `UPDATE audit_entry SET bytes = ${t.blob(tampered(5))}, leaf_hash = ${t.blob(sm3Hasher.hashLeaf(tampered(5)))}
         WHERE idx = 5`,
      );
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "entry-mismatch",
        firstBadIndex: 5,
      });
    });

    it("a deleted entry is found, whether or not the later ones were renumbered", async () => {
      await t.sql("DELETE FROM audit_entry WHERE idx = 21");
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "missing-entry",
        firstBadIndex: 21,
      });
      await shift(t, 22, -1);
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "entry-mismatch",
        firstBadIndex: 21,
      });
    });

    it("an inserted entry is found", async () => {
      await shift(t, 9, +1);
      await t.sql(
        `INSERT INTO audit_entry (idx, leaf_hash, bytes, time_ms, requester_party, owner_party, decision, correlation_id, trace_id)
         VALUES (9, ${t.blob(sm3Hasher.hashLeaf(tampered(9)))}, ${t.blob(tampered(9))}, 1, 'x', 'y', 'allow', 'c', 't')`,
      );
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "entry-mismatch",
        firstBadIndex: 9,
      });
    });

    it("reordered entries are found at the first one moved", async () => {
      await t.sql(`UPDATE audit_entry SET bytes = ${t.blob(sampleEntry(27).bytes)} WHERE idx = 3`);
      await t.sql(`UPDATE audit_entry SET bytes = ${t.blob(sampleEntry(3).bytes)} WHERE idx = 27`);
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "entry-mismatch",
        firstBadIndex: 3,
      });
    });

    it("a log rewritten together with its tree is still refused, though no entry can be blamed", async () => {
      const forgedLeaf = t.blob(sm3Hasher.hashLeaf(tampered(17)));
      await t.sql(`UPDATE audit_entry SET bytes = ${t.blob(tampered(17))}, leaf_hash = ${forgedLeaf} WHERE idx = 17`);
      await t.sql(`UPDATE audit_node SET hash = ${forgedLeaf} WHERE level = 0 AND idx = 17`);
      const v = await verifyStoredLog(t.store, checkpoint);
      assert.deepEqual(verdict(v), { ok: false, problem: "root-mismatch", firstBadIndex: undefined });
      assert.notEqual(hex(v.root), hex(checkpoint.root));
    });

    it("authentic entries over a damaged tree table are reported as such", async () => {
      await t.sql(`UPDATE audit_node SET hash = ${t.blob(new Uint8Array(32))} WHERE level = 0 AND idx = 33`);
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "stored-tree-mismatch",
        firstBadIndex: 33,
      });
    });

    it("a log shorter than the checkpoint is refused at the first missing index", async () => {
      await t.sql(`DELETE FROM audit_entry WHERE idx >= 35`);
      assert.deepEqual(verdict(await verifyStoredLog(t.store, checkpoint)), {
        ok: false,
        problem: "too-short",
        firstBadIndex: 35,
      });
    });
  });
}

describe("verifyLogStream: an export stream without a store", () => {
  const entries: ExportedAuditEntry[] = Array.from({ length: 12 }, (_, i) => ({
    index: i,
    bytes: sampleEntry(i).bytes,
  }));
  let root: Uint8Array;
  beforeEach(async () => {
    root = (await verifyLogStream(toStream(entries), { size: 12, root: new Uint8Array(32) })).root;
  });

  async function* toStream(list: readonly ExportedAuditEntry[]): AsyncIterable<ExportedAuditEntry> {
    yield* list;
  }

  it("verifies an intact stream and refuses a tampered one (no leaf hashes: no index to blame)", async () => {
    assert.equal((await verifyLogStream(toStream(entries), { size: 12, root }, { hasher: sm3Hasher })).ok, true);
    const bad = entries.map((e) => (e.index === 4 ? { ...e, bytes: tampered(4) } : e));
    assert.deepEqual(verdict(await verifyLogStream(toStream(bad), { size: 12, root })), {
      ok: false,
      problem: "root-mismatch",
      firstBadIndex: undefined,
    });
  });

  it("with the tree's leaf hashes in the stream, blames the first bad entry", async () => {
    const withLeaves = entries.map((e) => ({ ...e, leafHash: sm3Hasher.hashLeaf(e.bytes) }));
    const bad = withLeaves.map((e) => (e.index === 6 ? { ...e, bytes: tampered(6) } : e));
    assert.deepEqual(verdict(await verifyLogStream(toStream(bad), { size: 12, root })), {
      ok: false,
      problem: "entry-mismatch",
      firstBadIndex: 6,
    });
  });

  it("refuses a repeated or backward index", async () => {
    const repeated = [...entries.slice(0, 5), entries[4] as ExportedAuditEntry, ...entries.slice(5)];
    assert.deepEqual(verdict(await verifyLogStream(toStream(repeated), { size: 12, root })), {
      ok: false,
      problem: "unexpected-index",
      firstBadIndex: 5,
    });
  });

  it("an empty log verifies against the empty root only", async () => {
    assert.equal((await verifyLogStream(toStream([]), { size: 0, root: sm3Hasher.emptyRoot() })).ok, true);
    assert.equal((await verifyLogStream(toStream([]), { size: 0, root })).ok, false);
  });
});
