import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { isSessionError } from "@hutong/session";
import { isGatewayError } from "../gateway-error.js";
import type { ReplayStore } from "../store/port/replay-store.js";
import { postgresAdapter, type StoreUnderTest } from "../testing.js";
import { createSharedReplayWindow } from "./shared-replay-window.js";

describe("shared replay window over PostgreSQL", { skip: postgresAdapter.skip }, () => {
  let t: StoreUnderTest;
  let store: ReplayStore;
  const statements: number[] = [];
  before(async () => {
    t = await postgresAdapter.open();
    const real = t.store.replay;
    assert.ok(real);
    // The real store, counted: how many statements the window sends, and how many pairs in each.
    store = {
      admitNonces: (entries, nowMs) => {
        statements.push(entries.length);
        return real.admitNonces(entries, nowMs);
      },
      purgeNonces: (nowMs) => real.purgeNonces(nowMs),
    };
  });
  after(async () => {
    await t?.cleanup();
  });

  it("batches concurrent admissions into few statements and refuses every repeat", async () => {
    const window = createSharedReplayWindow({ store, ttlMs: 60_000, now: Date.now });
    statements.length = 0;
    const session = randomBytes(16);
    const nonces = Array.from({ length: 300 }, () => randomBytes(16));
    const results = await Promise.allSettled([...nonces, ...nonces.slice(0, 50)].map((n) => window.admit(session, n)));
    const fresh = results.filter((r) => r.status === "fulfilled").length;
    const replays = results.filter((r) => r.status === "rejected" && isSessionError(r.reason, "replay")).length;
    assert.equal(fresh, 300);
    assert.equal(replays, 50);
    assert.ok(statements.length <= 5, `${statements.length} statements for 350 admissions`);
    assert.equal(
      statements.reduce((a, b) => a + b, 0),
      350,
    );
    await window.close();
  });

  it("a pair queued while a batch is in flight is never left waiting", async () => {
    const window = createSharedReplayWindow({ store, ttlMs: 60_000, now: Date.now, maxBatch: 3 });
    const session = randomBytes(16);
    for (let round = 0; round < 20; round++) {
      const first = window.admit(session, randomBytes(16));
      // Queued from the first batch's settlement, as a call arriving just then would be.
      const second = first.then(() => window.admit(session, randomBytes(16)));
      await Promise.all([first, second, ...Array.from({ length: 7 }, () => window.admit(session, randomBytes(16)))]);
    }
    await window.close();
  });

  it("fails closed: a store that cannot answer refuses the call as replay-check-unavailable", async () => {
    const other = await t.openAnother();
    assert.ok(other.replay);
    const window = createSharedReplayWindow({ store: other.replay, ttlMs: 60_000, now: Date.now });
    await other.close();
    await assert.rejects(window.admit(randomBytes(16), randomBytes(16)), (e) =>
      isGatewayError(e, "replay-check-unavailable"),
    );
    await window.close();
    await assert.rejects(window.admit(randomBytes(16), randomBytes(16)), (e) =>
      isGatewayError(e, "replay-check-unavailable"),
    );
  });

  it("purges expired pairs on its timer", async () => {
    let now = 1_000_000;
    const window = createSharedReplayWindow({ store, ttlMs: 50, now: () => now, purgeEveryMs: 20 });
    const session = randomBytes(16);
    const nonce = randomBytes(16);
    await window.admit(session, nonce);
    now += 100;
    await new Promise((r) => setTimeout(r, 80));
    const rows = await t.sql(`SELECT count(*)::int AS n FROM replay_nonce WHERE expires_ms <= ${now}`);
    assert.equal(rows[0]?.n, 0);
    await window.close();
  });
});
