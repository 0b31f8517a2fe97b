import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { sm3Hasher, treeRoot } from "../audit/merkle/index.js";
import { openSqliteCore, type SqliteCore } from "./sqlite-core.js";
import { isStoreError } from "./store-error.js";
import { sampleEntry } from "./testing-stores.js";

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

  it("leaves the database in WAL mode (persistent; synchronous = FULL is per connection)", () => {
    const db = new Database(join(dir, "hutong.db"), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });
});
