// npm run bench:share — the real cross-region share: province A's system → province A's gateway →
// the hub → province B's gateway (the data owner: ACL, grant check, minimisation, the audit entry
// written durably before release) → province B's service holding the record, against the same
// chain of bare grpc-js forwarders passing bytes through to the same service, under the same load
// from the same generator, in alternating rounds of one run; then full handshakes per second
// against province A's gateway. Every server and every load run is its own process. Progress goes
// to stderr; the last line, on stdout, is one JSON object (docs/benchmarks.md, "bench:share").
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDevPki } from "@hutong/gateway/dev";
import {
  callerGatewayConfig,
  hubConfig,
  identityOf,
  ownerConfig,
  shareParties as p,
  registerShareGrant,
} from "./share-federation.js";
import { parseShareOptions, type ShareOptions, shareUsage } from "./share-options.js";
import { type BenchProcess, startProcess } from "./share-processes.js";
import type {
  AuditReport,
  CountReport,
  CpuReport,
  HandshakeArgs,
  HandshakeResult,
  LoadArgs,
  LoadResult,
  ReadyReport,
  ShareRequestSpec,
} from "./share-protocol.js";
import { median } from "./share-stats.js";

const log = (line = "") => console.error(line);

if (process.argv.includes("--help")) {
  log(shareUsage);
  process.exit(0);
}
let options: ShareOptions;
try {
  options = parseShareOptions(process.argv.slice(2));
} catch (e) {
  log(`${e instanceof Error ? e.message : e}\n${shareUsage}`);
  process.exit(2);
}

const processes: BenchProcess[] = [];
const dir = await mkdtemp(join(tmpdir(), "hutong-bench-share-"));
let cleaned: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await Promise.all(processes.map((c) => c.stop()));
    await rm(dir, { recursive: true, force: true });
  })();
  return cleaned;
}
// Children also exit when their stdin closes (when this process dies in any way); these handlers
// only make an interrupted run tidy up its temporary directory too.
process.on("exit", () => {
  for (const c of processes) c.kill();
});
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`bench:share interrupted (${signal}); stopping the servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

type Server = BenchProcess & { readonly address: string };

async function startServer(name: string, script: string, args: unknown): Promise<Server> {
  const child = startProcess(name, script, args);
  processes.push(child);
  const { address } = await child.next<ReadyReport>();
  return Object.assign(child, { address });
}

/** Runs one child per element of `argsList` at once, to completion, and returns their reports. */
async function runAll<T>(name: string, script: string, argsList: readonly unknown[]): Promise<T[]> {
  return Promise.all(
    argsList.map(async (args) => {
      const child = startProcess(name, script, args);
      processes.push(child);
      try {
        const r = await child.next<T>();
        const code = await child.exited;
        if (code !== 0) throw new Error(`${name} exited with code ${code}`);
        return r;
      } finally {
        processes.splice(processes.indexOf(child), 1);
      }
    }),
  );
}

const cpuOf = async (servers: readonly BenchProcess[]) =>
  Promise.all(servers.map(async (s) => (await s.ask<CpuReport>("cpu")).cpuUs));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

interface Run {
  readonly rps: number;
  readonly p99Ms: number;
  /** CPU µs per call summed over the three hops (gateways or forwarders). */
  readonly hopsCpuPerCall: number;
}

async function main(): Promise<void> {
  const o = options;
  const cpu = cpus();
  log(
    `bench:share on ${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  log(
    `a warm-up round, then ${o.rounds} round(s) of baseline and hutong (alternating which goes first), each run ` +
      `${o.warmupSeconds} s warm-up + ${o.seconds} s measured, ${o.concurrency} calls in flight over ` +
      `${o.connections} HTTP/2 connection(s); then ${o.handshakeSeconds} s of handshakes\n`,
  );

  const pki = await openDevPki(join(dir, "pki"), [
    { id: p.provinceA, role: "gateway" },
    { id: p.hub, role: "gateway" },
    { id: p.provinceB, role: "gateway" },
    { id: p.system, role: "system" },
  ]);
  // The chain is started from its end: each hop needs the address of the next.
  const backend = await startServer("owner's service", "./share-backend.ts", {
    province: p.provinceB.slice("prov:".length),
  });
  const owner = await startServer("province B gateway", "./share-gateway.ts", {
    dir,
    config: await ownerConfig(pki, dir, backend.address),
  });
  const hub = await startServer("hub gateway", "./share-gateway.ts", {
    dir,
    config: await hubConfig(pki, dir, owner.address),
  });
  const caller = await startServer("province A gateway", "./share-gateway.ts", {
    dir,
    config: await callerGatewayConfig(pki, dir, hub.address),
  });
  const fwdB = await startServer("forwarder B", "./share-forwarder.ts", { next: backend.address });
  const fwdHub = await startServer("forwarder hub", "./share-forwarder.ts", { next: fwdB.address });
  const fwdA = await startServer("forwarder A", "./share-forwarder.ts", { next: fwdHub.address });
  log(
    `hutong:   system → ${caller.address} (${p.provinceA}) → ${hub.address} (${p.hub}) → ${owner.address} (${p.provinceB}) → ${backend.address} (service)`,
  );
  log(`baseline: system → ${fwdA.address} → ${fwdHub.address} → ${fwdB.address} → ${backend.address} (service)\n`);

  const request: ShareRequestSpec = await registerShareGrant(pki, caller.address);
  log(`grant ${request.grantId} registered at ${p.provinceB}'s gateway (EMERGENCY, authority ${p.hub})\n`);

  const chains = { hutong: [caller, hub, owner], baseline: [fwdA, fwdHub, fwdB] } as const;
  const runs: Record<LoadArgs["mode"], Run[]> = { baseline: [], hutong: [] };
  for (let round = 0; round <= o.rounds; round++) {
    const order = round % 2 === 1 ? (["baseline", "hutong"] as const) : (["hutong", "baseline"] as const);
    for (const mode of order) {
      const hops = chains[mode];
      const args: LoadArgs = {
        mode,
        target: (hops[0] as Server).address,
        gatewayParty: p.provinceA,
        identity: identityOf(pki, p.system),
        request,
        seconds: o.seconds,
        warmupSeconds: o.warmupSeconds,
        concurrency: o.concurrency,
        connections: o.connections,
      };
      const cpu0 = await cpuOf([...hops, backend]);
      const calls0 = (await backend.ask<CountReport>("count")).calls;
      const audit0 = (await owner.ask<AuditReport>("audit")).entries;
      const [report] = await runAll<LoadResult>(`load generator (${mode})`, "./share-load.ts", [args]);
      if (report === undefined) throw new Error("no report from the load generator");
      const cpu1 = await cpuOf([...hops, backend]);
      const calls = (await backend.ask<CountReport>("count")).calls - calls0;
      const audited = (await owner.ask<AuditReport>("audit")).entries - audit0;
      if (report.errors > 0) {
        throw new Error(`${mode}: ${report.errors} call(s) failed; first: ${report.firstError ?? "?"}`);
      }
      // Every verified answer came from the owner's service (plus the run's first, checked call) ...
      if (calls !== report.totalOk + 1) {
        throw new Error(`${mode}: the service answered ${calls} calls, the generator verified ${report.totalOk} + 1`);
      }
      // ... and on hutong each share left an entry in the owner's audit log before its answer did
      // (plus the refused share without a grant); the baseline writes none.
      const wantAudited = mode === "hutong" ? calls + 1 : 0;
      if (audited !== wantAudited) {
        throw new Error(`${mode}: the owner's audit log grew by ${audited} entries, expected ${wantAudited}`);
      }
      const us = (i: number) => (cpu1[i] ?? 0) - (cpu0[i] ?? 0);
      const hopsCpu = us(0) + us(1) + us(2);
      const per = (x: number) => Math.round(x / calls);
      log(
        `${round === 0 ? "warm-up" : `round ${round}`}  ${mode.padEnd(8)} ${r1(report.rps).toFixed(1).padStart(8)} calls/s  ` +
          `p50 ${report.p50Ms.toFixed(2)} ms  p99 ${report.p99Ms.toFixed(2)} ms  CPU per call: ` +
          `${mode === "hutong" ? "gateways" : "forwarders"} ${per(us(0))}+${per(us(1))}+${per(us(2))} = ${per(hopsCpu)} µs, ` +
          `service ${per(us(3))} µs, generator ${per(report.cpuUs)} µs  (${calls} calls at the service${
            mode === "hutong" ? `, ${audited} audit entries at the owner` : ""
          })`,
      );
      if (round > 0) runs[mode].push({ rps: report.rps, p99Ms: report.p99Ms, hopsCpuPerCall: hopsCpu / calls });
    }
    const b = runs.baseline.at(-1);
    const h = runs.hutong.at(-1);
    if (round > 0 && b !== undefined && h !== undefined) log(`         ratio this round ${r3(h.rps / b.rps)}`);
  }

  // The client half of a handshake costs about as much CPU as the server half; one client process
  // and the gateway fall into lock step, so the loops are spread over several client processes.
  const handshakeArgs = Array.from(
    { length: o.handshakeClients },
    (_, i): HandshakeArgs => ({
      gateway: caller.address,
      gatewayParty: p.provinceA,
      identity: identityOf(pki, p.system),
      seconds: o.handshakeSeconds,
      warmupSeconds: o.warmupSeconds,
      loops: Math.floor(o.handshakeLoops / o.handshakeClients) + (i < o.handshakeLoops % o.handshakeClients ? 1 : 0),
    }),
  );
  const [hsCpu0 = 0] = await cpuOf([caller]);
  const hs = await runAll<HandshakeResult>("handshake load", "./share-handshakes.ts", handshakeArgs);
  const [hsCpu1 = 0] = await cpuOf([caller]);
  const sum = (f: (r: HandshakeResult) => number) => hs.reduce((a, r) => a + f(r), 0);
  const failed = hs.find((r) => r.errors > 0);
  if (failed !== undefined) throw new Error(`handshakes: ${sum((r) => r.errors)} failed; first: ${failed.firstError}`);
  const handshakesPerS = sum((r) => r.handshakes) / o.handshakeSeconds;
  const totalHandshakes = sum((r) => r.total);
  const gatewayUsPerHandshake = (hsCpu1 - hsCpu0) / totalHandshakes;
  log(
    `\nhandshakes ${handshakesPerS.toFixed(1)}/s with ${o.handshakeLoops} client loops in ${o.handshakeClients} ` +
      `process(es) against ${p.provinceA}'s gateway over ${o.handshakeSeconds} s; CPU per handshake: gateway ` +
      `${Math.round(gatewayUsPerHandshake)} µs, clients ${Math.round(sum((r) => r.cpuUs) / totalHandshakes)} µs`,
  );

  const hutongRps = median(runs.hutong.map((r) => r.rps));
  const baselineRps = median(runs.baseline.map((r) => r.rps));
  const summary = {
    ratio: r3(hutongRps / baselineRps),
    hutong_rps: r1(hutongRps),
    baseline_rps: r1(baselineRps),
    hutong_p99_ms: r3(median(runs.hutong.map((r) => r.p99Ms))),
    baseline_p99_ms: r3(median(runs.baseline.map((r) => r.p99Ms))),
    hutong_cpu_us_per_call: r1(median(runs.hutong.map((r) => r.hopsCpuPerCall))),
    baseline_cpu_us_per_call: r1(median(runs.baseline.map((r) => r.hopsCpuPerCall))),
    handshakes_per_s: r1(handshakesPerS),
    gateway_cpu_us_per_handshake: r1(gatewayUsPerHandshake),
  };
  for (const line of [
    "",
    "method:",
    "- the owner's service, three gateways, three grpc-js forwarders and each load or handshake run are separate Node processes",
    "- rps = answers received and verified at the client in the measured window (every one checked: OK, the owner's record,",
    "  minimised to the grant's fields on hutong); the service's own count of calls answered must equal the client's",
    "  (checked every run), and the owner's audit log must have grown by one entry per share (checked every run)",
    "- rps and p99 are medians over the counted rounds; ratio = median hutong rps / median baseline rps",
    "- CPU per call: process.cpuUsage() of each hop's process over the run (warm-up included), summed over the three",
    "  hops, divided by the calls the service answered; handshakes: province A's gateway's CPU over the phase / handshakes",
  ]) {
    log(line);
  }
  console.log(JSON.stringify(summary));
}

try {
  await main();
} catch (e) {
  if (!interrupted) log(`bench:share failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
