import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isStoreError } from "./port/store-error.js";
import type { WitnessState } from "./port/witness-store.js";
import { adaptersUnderTest, type StoreUnderTest } from "./testing-stores.js";

const state = (size: number, fill = size % 256): WitnessState => ({
  size,
  root: new Uint8Array(32).fill(fill),
  note: `example.com/log\n${size}\nroot\n\n— example.com/log sig\n`,
});

for (const adapter of adaptersUnderTest) {
  describe(`witness store: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    before(async () => {
      t = await adapter.open();
    });
    after(async () => {
      await t?.cleanup();
    });

    it("a new origin starts from size 0 and advances by compare-and-store", async () => {
      assert.equal(await t.store.witnessState("log-a"), undefined);
      assert.deepEqual(await t.store.advanceWitness("log-a", 0, state(10), 1), { ok: true });
      assert.deepEqual(await t.store.witnessState("log-a"), state(10));
      assert.deepEqual(await t.store.advanceWitness("log-a", 10, state(25), 2), { ok: true });
      assert.deepEqual(await t.store.witnessState("log-a"), state(25));
    });

    it("advances from a cosigned empty tree (a stored size 0 is a state, not the absence of one)", async () => {
      assert.deepEqual(await t.store.advanceWitness("log-empty", 0, state(0), 1), { ok: true });
      assert.deepEqual(await t.store.witnessState("log-empty"), state(0));
      assert.deepEqual(await t.store.advanceWitness("log-empty", 0, state(4), 2), { ok: true });
      assert.deepEqual(await t.store.witnessState("log-empty"), state(4));
      assert.deepEqual(await t.store.advanceWitness("log-empty", 0, state(9), 3), { ok: false, storedSize: 4 });
    });

    it("fails, reporting the stored size, when the expected old size is stale", async () => {
      assert.deepEqual(await t.store.advanceWitness("log-a", 10, state(30), 3), { ok: false, storedSize: 25 });
      assert.deepEqual(await t.store.advanceWitness("log-a", 0, state(30), 3), { ok: false, storedSize: 25 });
      assert.deepEqual(await t.store.advanceWitness("log-new", 7, state(30), 3), { ok: false, storedSize: 0 });
      assert.deepEqual(await t.store.witnessState("log-a"), state(25));
      assert.equal(await t.store.witnessState("log-new"), undefined);
    });

    it("the rollback race: of concurrent advances from the same old size exactly one wins", async () => {
      await t.store.advanceWitness("log-race", 0, state(100), 1);
      const others = [await t.openAnother(), await t.openAnother()];
      const stores = [t.store, ...others];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (stores[i % stores.length] ?? t.store).advanceWitness("log-race", 100, state(101 + i), 2),
        ),
      );
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      assert.equal(winners.length, 1);
      const won = state(101 + (winners[0] as number));
      assert.deepEqual(await t.store.witnessState("log-race"), won);
      for (const r of results) if (!r.ok) assert.equal(r.storedSize, won.size);
    });

    it("refuses to move to a smaller tree or take malformed state", async () => {
      await assert.rejects(t.store.advanceWitness("log-a", 25, state(24), 4), (e) =>
        isStoreError(e, "invalid-argument"),
      );
      await assert.rejects(t.store.advanceWitness("log-a", 25, { ...state(26), root: new Uint8Array(8) }, 4), (e) =>
        isStoreError(e, "invalid-argument"),
      );
      assert.deepEqual(await t.store.witnessState("log-a"), state(25));
    });
  });
}
