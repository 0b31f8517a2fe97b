import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { consistencyPath, inclusionPath, sm3Hasher, treeRoot, verifyConsistency, verifyInclusion } from "@hutong/audit";
import type { AuditStore } from "../store/port/audit-store.js";
import { isStoreError, type StoreErrorCode } from "../store/port/store-error.js";
import { adaptersUnderTest, type StoreUnderTest, sampleEntry } from "../testing.js";
import { type AuditReader, createAuditReader } from "./audit-reader.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const size = 21;
const leaves = Array.from({ length: size }, (_, i) => sm3Hasher.hashLeaf(sampleEntry(i).bytes));
const rootOf = (n: number) => treeRoot(sm3Hasher, leaves.slice(0, n));

async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Counts store calls, to hold proofs to one query. */
function counting(store: AuditStore) {
  const calls: string[] = [];
  const wrapped: AuditStore = {
    ...store,
    nodes: (ids) => {
      calls.push("nodes");
      return store.nodes(ids);
    },
    head: () => {
      calls.push("head");
      return store.head();
    },
  };
  return { store: wrapped, calls };
}

for (const adapter of adaptersUnderTest) {
  describe(`audit reader: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    let reader: AuditReader;
    let calls: string[];
    before(async () => {
      t = await adapter.open();
      // Uneven batches, so node boundaries fall inside and across transactions.
      for (const [from, to] of [
        [0, 1],
        [1, 6],
        [6, 7],
        [7, 16],
        [16, size],
      ] as const) {
        await t.store.appendBatch(Array.from({ length: to - from }, (_, k) => sampleEntry(from + k)));
      }
      const c = counting(t.store);
      calls = c.calls;
      reader = createAuditReader(c.store, sm3Hasher);
    });
    after(async () => {
      await t?.cleanup();
    });

    it("inclusion proofs for every index of every tree size equal RFC 9162 PATH, verify, and take one query", async () => {
      for (let n = 1; n <= size; n++) {
        for (let i = 0; i < n; i++) {
          calls.length = 0;
          const proof = await reader.inclusionProof(i, n);
          assert.deepEqual(calls, ["nodes"], "one query per proof");
          assert.equal(hex(proof.leafHash), hex(leaves[i] as Uint8Array));
          assert.deepEqual(
            proof.hashes.map(hex),
            inclusionPath(sm3Hasher, leaves.slice(0, n), i).map(hex),
            `(${i}, ${n})`,
          );
          verifyInclusion(sm3Hasher, i, n, proof.leafHash, proof.hashes, rootOf(n));
        }
      }
    });

    it("consistency proofs for every pair of sizes equal RFC 9162 PROOF and verify", async () => {
      for (let n2 = 1; n2 <= size; n2++) {
        for (let n1 = 1; n1 <= n2; n1++) {
          const proof = await reader.consistencyProof(n1, n2);
          assert.deepEqual(
            proof.hashes.map(hex),
            consistencyPath(sm3Hasher, leaves.slice(0, n2), n1).map(hex),
            `(${n1}, ${n2})`,
          );
          verifyConsistency(sm3Hasher, n1, n2, rootOf(n1), rootOf(n2), proof.hashes);
        }
      }
      assert.deepEqual((await reader.consistencyProof(0, 5)).hashes, []);
    });

    it("rootAt gives the root of every prefix of the log", async () => {
      for (let n = 0; n <= size; n++) assert.equal(hex(await reader.rootAt(n)), hex(rootOf(n)), `size ${n}`);
      assert.equal(hex((await reader.head()).root), hex(rootOf(size)));
    });

    it("refuses proofs beyond the log or with indices out of range", async () => {
      await rejectsWith(reader.inclusionProof(3, size + 1), "out-of-range");
      await rejectsWith(reader.inclusionProof(5, 5), "out-of-range");
      await rejectsWith(reader.inclusionProof(-1, 5), "out-of-range");
      await rejectsWith(reader.consistencyProof(3, size + 4), "out-of-range");
      await rejectsWith(reader.consistencyProof(size, size + 1), "out-of-range");
      await rejectsWith(reader.consistencyProof(6, 5), "invalid-argument");
      await rejectsWith(reader.rootAt(size + 1), "out-of-range");
      await rejectsWith(reader.rootAt(-2), "invalid-argument");
    });

    it("exports the entries in order, in chunks, over any range", async () => {
      const all = [];
      for await (const e of reader.export({ chunkSize: 4 })) all.push(e);
      assert.deepEqual(
        all.map((e) => e.index),
        Array.from({ length: size }, (_, i) => i),
      );
      all.forEach((e, i) => {
        assert.equal(hex(e.bytes), hex(sampleEntry(i).bytes));
        assert.equal(hex(e.leafHash as Uint8Array), hex(leaves[i] as Uint8Array));
      });
      const part = [];
      for await (const e of reader.export({ fromIndex: 5, toIndex: 9, chunkSize: 3 })) part.push(e.index);
      assert.deepEqual(part, [5, 6, 7, 8]);
      const none = [];
      for await (const e of reader.export({ fromIndex: 7, toIndex: 7 })) none.push(e);
      assert.deepEqual(none, []);
      await assert.rejects(
        async () => {
          for await (const _ of reader.export({ fromIndex: 4, toIndex: 2 })) void _;
        },
        (e) => isStoreError(e, "invalid-argument"),
      );
      await assert.rejects(
        async () => {
          for await (const _ of reader.export({ chunkSize: 0 })) void _;
        },
        (e) => isStoreError(e, "invalid-argument"),
      );
    });

    it("saves a checkpoint only if its root is this log's root at that size", async () => {
      await reader.saveCheckpoint({ size: 9, root: rootOf(9), note: "log\n9\n…\n" });
      assert.deepEqual(await reader.checkpointAt(9), { size: 9, root: rootOf(9), note: "log\n9\n…\n" });
      await rejectsWith(reader.saveCheckpoint({ size: 10, root: rootOf(9), note: "forged\n" }), "conflict");
      await rejectsWith(reader.saveCheckpoint({ size: size + 1, root: rootOf(9), note: "future\n" }), "out-of-range");
      assert.equal(await reader.checkpointAt(10), undefined);
      assert.equal((await reader.latestCheckpoint())?.size, 9);
    });
  });
}
