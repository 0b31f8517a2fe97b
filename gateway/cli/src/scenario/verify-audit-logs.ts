import { join } from "node:path";
import { merkleHasher } from "@hutong/audit";
import { createAuditReader, openStore, verifyStoredLog } from "@hutong/gateway";
import { say } from "./scenario-run.js";

/**
 * Every listed gateway's audit log under `dir` (its data directory is its party id with ":" and "/"
 * made "_"), read after the federation stopped: true when each has entries and verifies. Says
 * each log's size, or why it does not verify.
 */
export async function verifyAuditLogs(dir: string, parties: readonly string[]): Promise<boolean> {
  let ok = true;
  for (const party of parties) {
    const store = await openStore(
      { kind: "sqlite", path: join(dir, party.replace(/[:/]/g, "_"), "hutong.db") },
      { hash: "sm3" },
    );
    try {
      const head = await createAuditReader(store, merkleHasher("sm3")).head();
      const v = await verifyStoredLog(store, head);
      if (!v.ok || head.size === 0) {
        ok = false;
        say(`audit log of ${party} does not verify (${head.size} entries): ${JSON.stringify(v)}`);
      } else say(`audit log of ${party}: ${head.size} entries, verified`);
    } finally {
      await store.close();
    }
  }
  return ok;
}
