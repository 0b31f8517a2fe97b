import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sm3Hasher, treeRoot } from "@hutong/audit";
import Database from "better-sqlite3";
import { sampleEntry, sampleSubjectDigest as subjectDigest } from "../../testing.js";
import { isStoreError } from "../port/store-error.js";
import { auditQuerySql, openSqliteCore, type SqliteCore } from "./sqlite-core.js";

// What only the SQLite core has: pre-hashed appends (worker mode) and read-only connections.
describe("SQLite core", () => {
  let dir: string;
  let core: SqliteCore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-sqlite-core-"));
    core = openSqliteCore(join(dir, "hutong.db"), "sm3");
  });
  after(async () => {
    core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("appendHashedBatch grows the same tree as appendBatch and checks one 32-byte hash per entry", () => {
    const entries = [0, 1, 2].map((i) => sampleEntry(i));
    const r = core.appendHashedBatch(
      entries,
      entries.map((e) => sm3Hasher.hashLeaf(e.bytes)),
    );
    assert.equal(r.head.size, 3);
    assert.deepEqual(
      r.head.root,
      treeRoot(
        sm3Hasher,
        entries.map((e) => sm3Hasher.hashLeaf(e.bytes)),
      ),
    );
    for (const bad of [[new Uint8Array(32)], [new Uint8Array(31), new Uint8Array(32), new Uint8Array(32)]]) {
      assert.throws(
        () => core.appendHashedBatch(entries, bad),
        (e: unknown) => isStoreError(e, "invalid-argument"),
      );
    }
    assert.equal(core.head().size, 3);
  });

  it("a read-only connection reads what the writer committed and cannot write", () => {
    const reader = openSqliteCore(join(dir, "hutong.db"), "sm3", "read-only");
    try {
      assert.deepEqual(reader.head(), core.head());
      core.appendBatch([sampleEntry(3)]);
      assert.equal(reader.head().size, 4, "sees the commit at once");
      assert.throws(
        () => reader.appendBatch([sampleEntry(4)]),
        (e: unknown) => isStoreError(e, "unavailable"),
      );
      assert.throws(
        () => openSqliteCore(join(dir, "hutong.db"), "sha256", "read-only"),
        (e: unknown) => isStoreError(e, "corrupt"),
      );
      assert.throws(
        () => openSqliteCore(join(dir, "missing.db"), "sm3", "read-only"),
        (e: unknown) => isStoreError(e, "unavailable"),
      );
    } finally {
      reader.close();
    }
  });

  it("plans subject and grant queries on the short-key indexes, not a scan", () => {
    const db = new Database(join(dir, "hutong.db"), { readonly: true });
    try {
      const plan = (q: Parameters<typeof auditQuerySql>[0], epochs = 1) => {
        const { sql, params, byEpoch } = auditQuerySql(q, epochs);
        assert.ok(byEpoch);
        const epochNumbers = Array.from({ length: epochs }, (_, k) => k);
        const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...epochNumbers, ...params) as { detail: string }[];
        return rows.map((r) => r.detail).join("; ");
      };
      assert.match(plan({ subjectDigest: subjectDigest(1), pageSize: 10 }), /USING INDEX audit_entry_subject_key/);
      assert.match(plan({ grantId: "grant-2", pageSize: 10 }), /USING INDEX audit_entry_grant_key/);
      assert.match(plan({ grantId: "grant-2", pageSize: 10 }, 64), /USING INDEX audit_entry_grant_key/);
      assert.match(plan({ subjectDigest: subjectDigest(1), pageSize: 10 }, 4), /USING INDEX audit_entry_subject_key/);
      assert.match(
        plan({ subjectDigest: subjectDigest(1), grantId: "grant-2", party: "rail:cr", fromMs: 1, pageSize: 10 }),
        /USING INDEX audit_entry_subject_key/,
      );
      // Newest first comes from the index (the rowid ends its key): no sort.
      assert.doesNotMatch(plan({ grantId: "grant-2", pageSize: 10 }), /TEMP B-TREE/);
      assert.doesNotMatch(plan({ subjectDigest: subjectDigest(1), pageSize: 10 }), /TEMP B-TREE/);
      // The check can fail: a filter on a column no index covers is a scan.
      assert.match(
        db
          .prepare("EXPLAIN QUERY PLAN SELECT * FROM audit_entry WHERE trace_id = ? ORDER BY idx DESC")
          .all("x")
          .map((r) => (r as { detail: string }).detail)
          .join("; "),
        /SCAN audit_entry/,
      );
    } finally {
      db.close();
    }
  });

  it("queries by subject and grant across epochs of the short-key indexes, newest first, page by page", () => {
    const path = join(dir, "epochs.db");
    const big = openSqliteCore(path, "sm3");
    try {
      // Epochs of 2^14 entries: 40,000 entries span epochs 0, 1 and 2.
      const target = subjectDigest(200);
      const hits = new Set([3, 16_383, 16_384, 20_000, 32_768, 39_999]);
      const none = new Set([16_385]); // the target's grant, another subject
      for (let first = 0; first < 40_000; first += 10_000) {
        big.appendBatch(
          Array.from({ length: 10_000 }, (_, k) => {
            const i = first + k;
            if (hits.has(i)) return sampleEntry(i, { subjectDigest: target, grantId: "g1-target" });
            if (none.has(i)) return sampleEntry(i, { grantId: "g1-target" });
            return sampleEntry(i, { subjectDigest: subjectDigest(i % 100), grantId: null });
          }),
        );
      }
      const pages = (q: Omit<Parameters<typeof big.query>[0], "pageSize">) => {
        const out: number[][] = [];
        let pageToken: string | undefined;
        do {
          const page = big.query({ ...q, pageSize: 2, ...(pageToken === undefined ? {} : { pageToken }) });
          out.push(page.entries.map((e) => e.index));
          pageToken = page.nextPageToken;
        } while (pageToken !== undefined);
        return out;
      };
      assert.deepEqual(pages({ subjectDigest: target }), [
        [39_999, 32_768],
        [20_000, 16_384],
        [16_383, 3],
      ]);
      assert.deepEqual(pages({ grantId: "g1-target" }).flat(), [39_999, 32_768, 20_000, 16_385, 16_384, 16_383, 3]);
      assert.deepEqual(
        pages({ grantId: "g1-target", subjectDigest: target, fromMs: 1_760_000_000_000 + 16_384 * 10 }),
        [
          [39_999, 32_768],
          [20_000, 16_384],
        ],
      );
      assert.deepEqual(pages({ subjectDigest: subjectDigest(201) }), [[]]);
    } finally {
      big.close();
    }
  });

  it("migrates a version-1 database (whole-value indexes) to the short-key indexes, keeping its log", () => {
    const path = join(dir, "v1.db");
    const first = openSqliteCore(path, "sm3");
    first.appendBatch([0, 1, 2, 3, 4].map((i) => sampleEntry(i)));
    const head = first.head();
    first.close();
    // Make it what version 1 wrote.
    const raw = new Database(path);
    raw.exec(`DROP INDEX audit_entry_subject_key; DROP INDEX audit_entry_grant_key;
      CREATE INDEX audit_entry_subject ON audit_entry (subject_digest, idx) WHERE subject_digest IS NOT NULL;
      CREATE INDEX audit_entry_grant ON audit_entry (grant_id, idx) WHERE grant_id IS NOT NULL;
      UPDATE store_meta SET value = '1' WHERE key = 'schema_version';`);
    const indexes = () =>
      raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'audit_entry_%' ORDER BY name")
        .pluck()
        .all();
    assert.deepEqual(indexes(), [
      "audit_entry_grant",
      "audit_entry_owner",
      "audit_entry_requester",
      "audit_entry_subject",
      "audit_entry_time",
    ]);
    const migrated = openSqliteCore(path, "sm3");
    try {
      assert.deepEqual(indexes(), [
        "audit_entry_grant_key",
        "audit_entry_owner",
        "audit_entry_requester",
        "audit_entry_subject_key",
        "audit_entry_time",
      ]);
      // Through version 2 to the current one (3: one outbox for every topic).
      assert.equal(raw.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'").pluck().get(), "3");
      assert.deepEqual(migrated.head(), head);
      const page = migrated.query({ subjectDigest: subjectDigest(2), pageSize: 10 });
      assert.deepEqual(
        page.entries.map((e) => e.index),
        [2],
      );
      assert.deepEqual(
        migrated.query({ grantId: "grant-0", pageSize: 10 }).entries.map((e) => e.index),
        [4, 0],
      );
    } finally {
      migrated.close();
    }
    // A version this code does not know is refused, not rewritten.
    raw.exec("UPDATE store_meta SET value = '4' WHERE key = 'schema_version'");
    raw.close();
    assert.throws(
      () => openSqliteCore(path, "sm3"),
      (e: unknown) => isStoreError(e, "corrupt") && /schema version 4/.test(e.message),
    );
  });

  it("leaves the database in WAL mode (persistent; synchronous = FULL is per connection)", () => {
    const db = new Database(join(dir, "hutong.db"), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });
});
