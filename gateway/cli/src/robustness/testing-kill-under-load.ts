// SIGKILL under load (docs/robustness.md): shares from another province in flight, the owner's
// gateway killed the moment an answer arrives, restarted on the same store; after each restart the
// audit log must verify and hold an entry for every share a caller received. Run by
// kill-under-load.spec.ts (one kill) and kill-under-load.robustness.ts (several).
import assert from "node:assert/strict";
import { once } from "node:events";
import { merkleHasher } from "@hutong/audit";
import { createAuditReader, openStore, verifyStoredLog } from "@hutong/gateway";
import { AuditEntry, Purpose } from "@hutong/proto";
import { boardingCheck, endOfCase, verifyPath } from "./testing-abuse.js";
import { type GatewayProcess, owner, remoteCaller } from "./testing-robustness.js";

export interface KillFigures {
  /** Shares a caller received an answer for before the kill. */
  readonly acknowledged: number;
  /** Audit entries in the log after the restart (it verifies, and holds every acknowledged one). */
  readonly logSize: number;
  readonly rssMiB: number;
}

/** Every correlation id in the owner's audit log, after checking the stored log end to end. */
async function auditedCorrelationIds(dbPath: string): Promise<{ ids: Set<string>; size: number }> {
  const store = await openStore({ kind: "sqlite", path: dbPath, thread: "main" }, { hash: "sm3" });
  try {
    const reader = createAuditReader(store, merkleHasher("sm3"));
    const head = await reader.head();
    const verified = await verifyStoredLog(store, head);
    assert.equal(verified.ok, true, `the stored log verifies: ${JSON.stringify(verified)}`);
    const ids = new Set<string>();
    for await (const e of reader.export({ fromIndex: 0, toIndex: head.size }))
      ids.add(AuditEntry.decode(e.bytes).correlationId);
    return { ids, size: head.size };
  } finally {
    await store.close();
  }
}

/**
 * `concurrency` loops of shares (boarding checks from another province, each one audited) until
 * `killAfter` answers have arrived; the process is SIGKILLed inside the callback of that answer, so
 * an entry appended only after answering would still sit in its group commit and be lost.
 */
export async function killOnce(
  gw: GatewayProcess,
  round: number,
  killAfter: number,
  concurrency = 16,
): Promise<{ gw: GatewayProcess; figures: KillFigures }> {
  const client = await gw.client(remoteCaller);
  const acknowledged: string[] = [];
  const exited = once(gw.child, "exit");
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  let n = 0;
  const loop = async () => {
    while (!dead) {
      const id = `kill-${round}-${n++}`;
      try {
        await client.session.call(verifyPath, share(id));
        acknowledged.push(id);
        if (acknowledged.length === killAfter) gw.child.kill("SIGKILL");
      } catch {
        // In flight when the process died: never acknowledged.
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  client.close();
  assert.ok(acknowledged.length >= killAfter, `${acknowledged.length} answers before the kill`);

  const next = await gw.restart();
  const { ids, size } = await auditedCorrelationIds(next.dbPath);
  const missing = acknowledged.filter((id) => !ids.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged shares have no audit entry`);
  const { rssMiB } = await endOfCase(next, `restart ${round}`);
  return { gw: next, figures: { acknowledged: acknowledged.length, logSize: size, rssMiB } };
}

/** A boarding check from another province (a share: audited at the owner) with this correlation id. */
function share(correlationId: string): Buffer {
  return boardingCheck({
    context: { targetParty: owner, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId },
  });
}
