import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3Hasher, treeRoot, verifyInclusion } from "@hutong/audit";
import {
  type AdapterUnderTest,
  postgresAdapter,
  sampleEntry,
  sqliteWorkerAdapter,
  startStoreChild,
} from "../testing.js";
import { createAuditReader } from "./audit-reader.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const perChild = 400;

// Two gateway processes appending to one log at the same time must grow one
// consistent tree: PostgreSQL is the case that matters (replicas sharing a log);
// SQLite in WAL mode with BEGIN IMMEDIATE must hold up too (a second process on
// the same file, e.g. an operator's tool).
for (const adapter of [postgresAdapter, sqliteWorkerAdapter] satisfies AdapterUnderTest[]) {
  describe(`two processes appending to one log: ${adapter.name}`, { skip: adapter.skip }, () => {
    it(`each appends ${perChild} entries concurrently; one gap-free tree results`, async (ctx) => {
      const t = await adapter.open();
      try {
        const children = [1, 2].map((tag) =>
          startStoreChild({ location: t.location, mode: "append", count: perChild, tag }),
        );
        await Promise.all(children.map((c) => c.ready));
        for (const c of children) c.go();
        const [a, b] = (await Promise.all(children.map((c) => c.result))) as { indices: number[] }[];
        assert.ok(a !== undefined && b !== undefined);

        // Every index 0..2N-1 exists once, and the two processes got disjoint sets of them.
        const total = 2 * perChild;
        assert.deepEqual(
          [...a.indices, ...b.indices].sort((x, y) => x - y),
          Array.from({ length: total }, (_, i) => i),
        );
        const stored = await t.store.entries(0, total + 10);
        assert.deepEqual(
          stored.map((e) => e.index),
          Array.from({ length: total }, (_, i) => i),
        );
        // The index each process was told holds that process's entry.
        for (const [tag, result] of [
          [1, a],
          [2, b],
        ] as const) {
          result.indices.forEach((index, i) => {
            assert.equal(
              hex((stored[index] as { bytes: Uint8Array }).bytes),
              hex(sampleEntry(tag * 1_000_000 + i).bytes),
            );
          });
        }
        // How often the writer changed hands (scheduling decides; reported, not asserted).
        const owner = stored.map((e) => (a.indices.includes(e.index) ? 1 : 2));
        const switches = owner.filter((o, i) => i > 0 && o !== owner[i - 1]).length;
        ctx.diagnostic(`the log's writer changed process ${switches} time(s)`);

        // The head's root is the root of the stored bytes.
        const head = await t.store.head();
        assert.equal(head.size, total);
        assert.equal(
          hex(
            treeRoot(
              sm3Hasher,
              stored.map((e) => sm3Hasher.hashLeaf(e.bytes)),
            ),
          ),
          hex(head.root),
        );

        // Random inclusion proofs, from the stored nodes, verify against the head.
        const reader = createAuditReader(t.store, sm3Hasher);
        for (let k = 0; k < 40; k++) {
          const index = Math.floor(Math.random() * total);
          const proof = await reader.inclusionProof(index, total);
          assert.equal(hex(proof.leafHash), hex(sm3Hasher.hashLeaf((stored[index] as { bytes: Uint8Array }).bytes)));
          verifyInclusion(sm3Hasher, index, total, proof.leafHash, proof.hashes, head.root);
        }
      } finally {
        await t.cleanup();
      }
    });
  });
}
