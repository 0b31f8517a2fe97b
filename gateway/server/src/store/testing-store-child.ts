// A separate process that works on a shared store, for the multi-process tests:
//   node --conditions=hutong-source --import tsx testing-store-child.ts '<json>'
// with {location, mode: "append", count, tag} (appends `count` entries through an
// audit log, all outstanding at once) or {location, mode: "consume", grantId,
// count, nowMs} (`count` concurrent consumeUse). It waits for "go" on stdin so
// the parent can start both children at the same moment, and prints one JSON
// line with what it did.
import { createInterface } from "node:readline";
import { sm3Hasher } from "@hutong/audit";
import { createAuditLog } from "../audit/audit-log.js";
import { openStore } from "./open-store.js";
import type { StoreLocation } from "./port/store.js";
import { sampleEntry } from "./testing-stores.js";

type ChildArgs =
  | { location: StoreLocation; mode: "append"; count: number; tag: number }
  | { location: StoreLocation; mode: "consume"; grantId: string; count: number; nowMs: number };

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const store = await openStore(args.location, { hash: "sm3" });

const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
await new Promise<void>((resolve) => lines.once("line", () => resolve()));
lines.close();

if (args.mode === "append") {
  const log = createAuditLog({ store, hasher: sm3Hasher, maxBatch: 64 });
  const appended = await Promise.all(
    Array.from({ length: args.count }, (_, i) =>
      // A distinct entry per (child, i): the tag goes into the bytes and the correlation id.
      log.append(sampleEntry(args.tag * 1_000_000 + i, { correlationId: `child-${args.tag}-${i}` })),
    ),
  );
  await log.close();
  process.stdout.write(`${JSON.stringify({ indices: appended.map((a) => a.index) })}\n`);
} else {
  const results = await Promise.all(
    Array.from({ length: args.count }, () => store.consumeUse(args.grantId, args.nowMs)),
  );
  process.stdout.write(`${JSON.stringify({ ok: results.filter((r) => r.ok).length, results })}\n`);
}
await store.close();
