import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ReplayEntry, ReplayStore } from "./port/replay-store.js";
import { isStoreError } from "./port/store-error.js";
import { postgresAdapter, type StoreUnderTest, sqliteWorkerAdapter } from "./testing-stores.js";

const entry = (session: Uint8Array, nonce: Uint8Array, expiresMs: number): ReplayEntry => ({
  session,
  nonce,
  expiresMs,
});

describe("shared replay window: postgres", { skip: postgresAdapter.skip }, () => {
  let t: StoreUnderTest;
  let replay: ReplayStore;
  before(async () => {
    t = await postgresAdapter.open();
    assert.ok(t.store.replay, "a PostgreSQL store offers the shared replay window");
    replay = t.store.replay;
  });
  after(async () => {
    await t?.cleanup();
  });

  it("admits a pair once, whichever process sees it, and reports each pair of a batch in order", async () => {
    const session = randomBytes(16);
    const [a, b, c] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    assert.deepEqual(await replay.admitNonces([entry(session, a, 2000), entry(session, b, 2000)], 1000), [true, true]);
    const other = await t.openAnother();
    assert.deepEqual(
      await other.replay?.admitNonces(
        [entry(session, c, 2000), entry(session, a, 2000), entry(session, b, 2000)],
        1500,
      ),
      [true, false, false],
    );
    // Another session's identical nonce is another pair.
    assert.deepEqual(await replay.admitNonces([entry(randomBytes(16), a, 2000)], 1500), [true]);
  });

  it("a pair twice in one batch: the first is fresh, the second a replay", async () => {
    const s = randomBytes(16);
    const n = randomBytes(16);
    assert.deepEqual(await replay.admitNonces([entry(s, n, 9000), entry(s, n, 9000)], 1000), [true, false]);
  });

  it("of concurrent admissions of one pair from several processes exactly one wins", async () => {
    const stores = [t.store, await t.openAnother(), await t.openAnother()];
    for (let round = 0; round < 20; round++) {
      const s = randomBytes(16);
      const n = randomBytes(16);
      // Batches in different orders, overlapping: no deadlock, one winner per pair.
      const extra = Array.from({ length: 5 }, () => entry(s, randomBytes(16), 9000));
      const results = await Promise.all(
        stores.map((store, i) =>
          store.replay?.admitNonces(i % 2 === 0 ? [entry(s, n, 9000), ...extra] : [...extra, entry(s, n, 9000)], 1000),
        ),
      );
      const wins = results.map((r, i) => (i % 2 === 0 ? r?.[0] : r?.at(-1))).filter((x) => x === true).length;
      assert.equal(wins, 1, `round ${round}`);
    }
  });

  it("an expired pair is fresh again; purge forgets only expired pairs", async () => {
    const s = randomBytes(16);
    const [old, live] = [randomBytes(16), randomBytes(16)];
    await replay.admitNonces([entry(s, old, 5000), entry(s, live, 50_000)], 1000);
    assert.deepEqual(await replay.admitNonces([entry(s, old, 9000), entry(s, live, 9000)], 5000), [true, false]);
    const purged = await replay.purgeNonces(10_000);
    assert.ok(purged >= 1, `purged ${purged}`);
    assert.deepEqual(await replay.admitNonces([entry(s, live, 60_000)], 10_000), [false], "a live pair survives purge");
  });

  it("refuses malformed entries as invalid-argument, records nothing of the batch", async () => {
    const s = randomBytes(16);
    const good = randomBytes(16);
    for (const bad of [
      entry(new Uint8Array(0), randomBytes(16), 9000),
      entry(s, new Uint8Array(65), 9000),
      entry(s, randomBytes(16), 1.5),
    ]) {
      await assert.rejects(replay.admitNonces([entry(s, good, 9000), bad], 1000), (e) =>
        isStoreError(e, "invalid-argument"),
      );
    }
    assert.deepEqual(await replay.admitNonces([entry(s, good, 9000)], 1000), [true]);
  });
});

describe("shared replay window: sqlite", () => {
  it("is not offered: a SQLite file is one process's, and the per-process window already covers it", async () => {
    const t = await sqliteWorkerAdapter.open();
    try {
      assert.equal(t.store.replay, undefined);
    } finally {
      await t.cleanup();
    }
  });
});
