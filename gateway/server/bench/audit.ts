// npm run bench:audit — durable audit-log appends per second (group commit over
// SQLite and PostgreSQL) against a plain durable INSERT of the same rows on the
// same database in the same run, then inclusion-proof latency from the store at
// 1,000,000 entries. The last line is one JSON object (see docs/benchmarks.md).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sm3Hasher, verifyInclusion } from "@hutong/audit";
import { createAuditLog, createAuditReader } from "../src/audit/index.js";
import { type AuditEntryInput, type HutongStore, openStore, type StoreLocation } from "../src/store/index.js";
import { pgBatchedInserts, pgSingleInserts, sqliteBatchedInserts, sqliteSingleInserts } from "./audit-baselines.js";
import { entryPool } from "./audit-entries.js";
import { closedLoop, type LoadResult } from "./audit-load.js";
import { type AuditBenchOptions, auditBenchUsage, parseAuditBenchOptions } from "./audit-options.js";
import { percentile } from "./latency-stats.js";

if (process.argv.includes("--help")) {
  console.log(auditBenchUsage);
  process.exit(0);
}
let options: AuditBenchOptions;
try {
  options = parseAuditBenchOptions(process.argv.slice(2));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : e}\n${auditBenchUsage}`);
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), "hutong-bench-audit-"));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const schemaName = () => `bench_${randomBytes(6).toString("hex")}`;

function line(label: string, r: LoadResult, extra = ""): void {
  console.log(
    `${label.padEnd(44)} ${r1(r.perSecond).toFixed(1).padStart(10)} /s  (${r.ops} in ${r.seconds.toFixed(2)} s)  ` +
      `p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms${extra}`,
  );
}

const loopInfo = (r: LoadResult) =>
  `  main-thread event loop: busy ${(r.eventLoopUtilization * 100).toFixed(0)}%, delay p99 ${r.loopDelayP99Ms.toFixed(1)} ms max ${r.loopDelayMaxMs.toFixed(1)} ms`;

/** Durable appends through the group-commit log, `concurrency` outstanding. */
async function appendRun(
  store: HutongStore,
  pool: readonly AuditEntryInput[],
  o: AuditBenchOptions,
): Promise<LoadResult & { meanBatch: number }> {
  let commits = 0;
  let committed = 0;
  const log = createAuditLog({
    store,
    hasher: sm3Hasher,
    maxBatch: o.maxBatch,
    maxInFlight: o.maxInFlight,
    onCommit: (c) => {
      if (c.error !== undefined) throw c.error;
      commits++;
      committed += c.entries;
    },
  });
  const r = await closedLoop(o.concurrency, o.warmupSeconds, o.seconds, (i) =>
    log.append(pool[i % pool.length] as AuditEntryInput),
  );
  await log.close();
  return { ...r, meanBatch: committed / commits };
}

async function tryPostgres(url: string): Promise<boolean> {
  try {
    const s = await openStore({ kind: "postgres", url, schema: "bench_probe", maxConnections: 1 }, { hash: "sm3" });
    await s.close();
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('DROP SCHEMA IF EXISTS "bench_probe" CASCADE');
    await c.end();
    return true;
  } catch (e) {
    console.log(`PostgreSQL at ${url} unavailable (${e instanceof Error ? e.message : e}): pg figures skipped`);
    return false;
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}

async function main(): Promise<void> {
  const o = options;
  const cpu = cpus();
  console.log(
    `bench:audit on ${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `each throughput run: ${o.warmupSeconds} s warm-up + ${o.seconds} s measured; ${o.concurrency} appends outstanding; ` +
      `maxBatch ${o.maxBatch}, maxInFlight ${o.maxInFlight}; SM3 tree; databases in ${dir}\n`,
  );
  const pool = entryPool(8192);
  const meanBytes = pool.reduce((a, e) => a + e.bytes.length, 0) / pool.length;
  console.log(`entries: ${pool.length} distinct, ${meanBytes.toFixed(0)} bytes each on average, 9 index columns\n`);

  // --- SQLite ---
  console.log("SQLite (WAL, synchronous = FULL: every commit fsyncs)");
  const worker = await openStore({ kind: "sqlite", path: join(dir, "worker.db"), thread: "worker" }, { hash: "sm3" });
  const sqliteWorker = await appendRun(worker, pool, o);
  await worker.close();
  line(
    "  audit log appends (worker thread, default)",
    sqliteWorker,
    `  mean batch ${sqliteWorker.meanBatch.toFixed(0)}`,
  );
  console.log(loopInfo(sqliteWorker));
  const main = await openStore({ kind: "sqlite", path: join(dir, "main.db"), thread: "main" }, { hash: "sm3" });
  // "main" runs each call synchronously; here each commit gets its own macrotask, as
  // SQLite called inline from a gateway's I/O callbacks would (and as the worker's
  // replies arrive), so the group commit batches and timers still run.
  const inline: HutongStore = {
    ...main,
    appendBatch: (entries) => new Promise((resolve) => setImmediate(() => resolve(main.appendBatch(entries)))),
  };
  const sqliteMain = await appendRun(inline, pool, o);
  await main.close();
  line("  audit log appends (on the main thread)", sqliteMain, `  mean batch ${sqliteMain.meanBatch.toFixed(0)}`);
  console.log(loopInfo(sqliteMain));
  const sqliteSingle = sqliteSingleInserts(join(dir, "plain1.db"), pool, o.warmupSeconds, o.seconds);
  line("  baseline: plain INSERT, 1 transaction each", sqliteSingle);
  const sqliteBatched = sqliteBatchedInserts(join(dir, "plainN.db"), pool, o.maxBatch, o.warmupSeconds, o.seconds);
  line(`  plain INSERT, ${o.maxBatch} per transaction`, sqliteBatched);
  console.log(
    `  ratios: appends / single-INSERT baseline ${r3(sqliteWorker.perSecond / sqliteSingle.perSecond)}, ` +
      `appends / batched plain INSERT ${r3(sqliteWorker.perSecond / sqliteBatched.perSecond)}\n`,
  );

  // --- PostgreSQL ---
  let pgAppends: (LoadResult & { meanBatch: number }) | undefined;
  let pgSingle: LoadResult | undefined;
  let pgBatched: LoadResult | undefined;
  if (o.postgresUrl !== undefined && (await tryPostgres(o.postgresUrl))) {
    const url = o.postgresUrl;
    console.log("PostgreSQL (synchronous_commit on, the default; pool of 10 connections)");
    const schema = schemaName();
    const location: StoreLocation = { kind: "postgres", url, schema, applicationName: "hutong-bench-audit" };
    const store = await openStore(location, { hash: "sm3" });
    try {
      pgAppends = await appendRun(store, pool, o);
    } finally {
      await store.close();
      await dropSchema(url, schema);
    }
    line("  audit log appends", pgAppends, `  mean batch ${pgAppends.meanBatch.toFixed(0)}`);
    pgSingle = await pgSingleInserts(url, schemaName(), pool, o.concurrency, 10, o.warmupSeconds, o.seconds);
    line(`  baseline: plain INSERT, 1 transaction each`, pgSingle);
    pgBatched = await pgBatchedInserts(url, schemaName(), pool, o.maxBatch, o.warmupSeconds, o.seconds);
    line(`  plain INSERT, ${o.maxBatch} per transaction`, pgBatched);
    console.log(
      `  ratios: appends / single-INSERT baseline ${r3(pgAppends.perSecond / pgSingle.perSecond)}, ` +
        `appends / batched plain INSERT ${r3(pgAppends.perSecond / pgBatched.perSecond)}\n`,
    );
  }

  // --- Proofs at proofTreeSize entries ---
  console.log(`inclusion proofs at ${o.proofTreeSize} entries (SQLite)`);
  const proofPath = join(dir, "proofs.db");
  const filler = await openStore({ kind: "sqlite", path: proofPath, thread: "main" }, { hash: "sm3" });
  const fillBatch = 10_000;
  const fillStart = performance.now();
  for (let n = 0; n < o.proofTreeSize; n += fillBatch) {
    const count = Math.min(fillBatch, o.proofTreeSize - n);
    await filler.appendBatch(Array.from({ length: count }, (_, k) => pool[(n + k) % pool.length] as AuditEntryInput));
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  await filler.close();
  const dbBytes = (await stat(proofPath)).size;
  console.log(
    `  filled in ${fillSeconds.toFixed(1)} s with appendBatch of ${fillBatch} (${r1(o.proofTreeSize / fillSeconds)} entries/s); ` +
      `database ${(dbBytes / 2 ** 20).toFixed(0)} MiB (${(dbBytes / o.proofTreeSize).toFixed(0)} bytes per entry)`,
  );

  const proofTimes: Record<"worker" | "main", Float64Array> = {
    worker: new Float64Array(0),
    main: new Float64Array(0),
  };
  for (const thread of ["worker", "main"] as const) {
    const store = await openStore({ kind: "sqlite", path: proofPath, thread }, { hash: "sm3" });
    const reader = createAuditReader(store, sm3Hasher);
    const head = await reader.head();
    if (head.size !== o.proofTreeSize) throw new Error(`the proof log holds ${head.size} entries`);
    // Warm up the statement cache and the page cache a little, as a running gateway would be.
    for (let k = 0; k < 200; k++) await reader.inclusionProof(Math.floor(Math.random() * head.size), head.size);
    const times = new Float64Array(o.proofs);
    for (let k = 0; k < o.proofs; k++) {
      const index = Math.floor(Math.random() * head.size);
      const t0 = performance.now();
      const proof = await reader.inclusionProof(index, head.size);
      times[k] = performance.now() - t0;
      verifyInclusion(sm3Hasher, index, head.size, proof.leafHash, proof.hashes, head.root); // throws if wrong
    }
    await store.close();
    times.sort();
    proofTimes[thread] = times;
    const mean = times.reduce((a, x) => a + x, 0) / times.length;
    console.log(
      `  ${o.proofs} random inclusion proofs from the store (${thread === "worker" ? "worker thread, default" : "main thread"}): ` +
        `mean ${mean.toFixed(3)} ms, p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms; ` +
        `all ${o.proofs} verified against the head`,
    );
  }
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;

  // The append rate once the log is large: the random-key query indexes (subject
  // digest, grant id) no longer fit in a few pages, so every append dirties pages
  // all over them (the runs above start from an empty log).
  const big = await openStore({ kind: "sqlite", path: proofPath, thread: "worker" }, { hash: "sm3" });
  const sqliteAt1m = await appendRun(big, pool, o);
  await big.close();
  line(
    `  audit log appends at ${o.proofTreeSize} entries (worker)`,
    sqliteAt1m,
    `  mean batch ${sqliteAt1m.meanBatch.toFixed(0)}`,
  );

  // The same proofs while the log is being appended to at full speed (worker mode):
  // reads run on their own connection and never queue behind a commit.
  const busy = await openStore({ kind: "sqlite", path: proofPath, thread: "worker" }, { hash: "sm3" });
  const busyLog = createAuditLog({ store: busy, hasher: sm3Hasher, maxBatch: o.maxBatch });
  let appending = true;
  let appendedDuring = 0;
  const appenders = Array.from({ length: o.concurrency }, async (_, c) => {
    for (let k = c; appending; k += o.concurrency) {
      await busyLog.append(pool[k % pool.length] as AuditEntryInput);
      appendedDuring++;
    }
  });
  await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
  const underLoad = new Float64Array(Math.max(100, Math.floor(o.proofs / 5)));
  appendedDuring = 0;
  const loadStart = performance.now();
  for (let k = 0; k < underLoad.length; k++) {
    const index = Math.floor(Math.random() * o.proofTreeSize);
    const t0 = performance.now();
    const proof = await busyLog.inclusionProof(index, o.proofTreeSize);
    underLoad[k] = performance.now() - t0;
    if (k === 0) {
      const root = await busyLog.rootAt(o.proofTreeSize);
      verifyInclusion(sm3Hasher, index, o.proofTreeSize, proof.leafHash, proof.hashes, root);
    }
    // Paced like requests arriving, not back to back, so the appenders keep the writer busy.
    await new Promise((r) => setTimeout(r, 1));
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const appendRate = appendedDuring / loadSeconds;
  appending = false;
  await Promise.all(appenders);
  await busyLog.close();
  await busy.close();
  underLoad.sort();
  console.log(
    `  ${underLoad.length} proofs while ${o.concurrency} appenders keep the writer busy (${r1(appendRate)} appends/s meanwhile): ` +
      `mean ${mean(underLoad).toFixed(3)} ms, p50 ${percentile(underLoad, 50).toFixed(3)} ms, p99 ${percentile(underLoad, 99).toFixed(3)} ms`,
  );

  const summary = {
    sqlite_appends_per_s: r1(sqliteWorker.perSecond),
    sqlite_insert_baseline_per_s: r1(sqliteSingle.perSecond),
    sqlite_batched_insert_per_s: r1(sqliteBatched.perSecond),
    sqlite_ratio_vs_insert_baseline: r3(sqliteWorker.perSecond / sqliteSingle.perSecond),
    sqlite_append_p99_ms: r3(sqliteWorker.p99Ms),
    sqlite_main_thread_appends_per_s: r1(sqliteMain.perSecond),
    sqlite_appends_per_s_at_1m: r1(sqliteAt1m.perSecond),
    sqlite_worker_event_loop_busy: r3(sqliteWorker.eventLoopUtilization),
    sqlite_main_thread_event_loop_busy: r3(sqliteMain.eventLoopUtilization),
    pg_appends_per_s: pgAppends === undefined ? null : r1(pgAppends.perSecond),
    pg_insert_baseline_per_s: pgSingle === undefined ? null : r1(pgSingle.perSecond),
    pg_batched_insert_per_s: pgBatched === undefined ? null : r1(pgBatched.perSecond),
    pg_ratio_vs_insert_baseline:
      pgAppends === undefined || pgSingle === undefined ? null : r3(pgAppends.perSecond / pgSingle.perSecond),
    pg_append_p99_ms: pgAppends === undefined ? null : r3(pgAppends.p99Ms),
    proof_tree_size: o.proofTreeSize,
    proof_ms_at_1m: r3(mean(proofTimes.worker)),
    proof_p99_ms_at_1m: r3(percentile(proofTimes.worker, 99)),
    proof_main_thread_ms_at_1m: r3(mean(proofTimes.main)),
    proof_main_thread_p99_ms_at_1m: r3(percentile(proofTimes.main, 99)),
    proof_under_append_load_ms_at_1m: r3(mean(underLoad)),
    proof_under_append_load_p99_ms_at_1m: r3(percentile(underLoad, 99)),
  };
  for (const text of [
    "",
    "what each figure is:",
    "- appends: durable audit-log appends (index assigned, leaf and node hashes, tree nodes and head written, COMMIT",
    "  returned) through createAuditLog's group commit, from a closed loop of outstanding appends; the store on its",
    "  default worker thread for SQLite, a pool of 10 connections for PostgreSQL",
    "- baseline: the same rows into a plain table with the same columns and indexes, same database and durability,",
    "  one INSERT = one transaction each (SQLite: back to back on one connection; PostgreSQL: the same closed loop",
    "  over 10 connections), i.e. a naive audit table",
    "- batched plain INSERT: the same plain table, transactions of maxBatch rows: the Merkle tree's own cost is the",
    "  gap between this and the appends",
    "- appends at N entries: the same append run on the proof log once it is filled (the runs above start empty)",
    "- proofs: inclusion proof generation from the store (one query for the planned nodes + rehash), timed per call;",
    "  each proof is then verified against the head (not timed); worker mode reads on the caller's read-only",
    "  connection, main mode on its one connection; 'while appenders keep the writer busy' repeats them (1 ms apart)",
    "  during a full-speed append load on the same log",
  ]) {
    console.log(text);
  }
  console.log(JSON.stringify(summary));
}

try {
  await main();
} catch (e) {
  console.error(`bench:audit failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
