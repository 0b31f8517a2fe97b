// npm run bench:gateway — unary gRPC throughput and latency of (a) a bare grpc-js pass-through
// forwarder and (b) the hutong gateway (SM2 session, per-call MACs, ACL, one hop to the backend),
// in front of the same backend, under the same load from the same generator, in interleaved
// rounds of one run; then full handshakes per second. The last line is one JSON object (see
// docs/benchmarks.md).
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDevPki } from "../src/dev/dev-pki.js";
import { type BenchChild, startChild } from "./bench-child.js";
import { type BenchOptions, benchUsage, parseBenchOptions } from "./bench-options.js";
import type {
  ClientIdentityFiles,
  HandshakeLoadArgs,
  HandshakeResult,
  ListeningReport,
  LoadGeneratorArgs,
  LoadResult,
} from "./bench-protocol.js";
import { benchParties, benchPath, benchRequestBytes } from "./bench-request.js";
import { median } from "./latency-stats.js";

if (process.argv.includes("--help")) {
  console.log(benchUsage);
  process.exit(0);
}
let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : e}\n${benchUsage}`);
  process.exit(2);
}

const children: BenchChild[] = [];
const dir = await mkdtemp(join(tmpdir(), "hutong-bench-"));
let cleaned: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await Promise.all(children.map((c) => c.stop()));
    await rm(dir, { recursive: true, force: true });
  })();
  return cleaned;
}
// Children also exit when their stdin closes (that is, when this process dies in any way);
// these handlers only make an interrupted run tidy up its temp directory too.
process.on("exit", () => {
  for (const c of children) c.kill();
});
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`bench:gateway interrupted (${signal}); stopping the servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

function spawnChild(name: string, script: string, args: unknown): BenchChild {
  const child = startChild(name, script, args);
  children.push(child);
  return child;
}

async function startServer(name: string, script: string, args: unknown): Promise<BenchChild & ListeningReport> {
  const child = spawnChild(name, script, args);
  const { address } = await child.nextReport<ListeningReport>();
  return Object.assign(child, { address });
}

/**
 * Runs one child per element of `argsList` at the same time, to completion, and returns their
 * reports with the CPU time the `servers` spent meanwhile (ms; undefined without /proc).
 */
async function measure<T>(
  name: string,
  script: string,
  argsList: readonly unknown[],
  servers: readonly BenchChild[],
): Promise<{ reports: T[]; serverCpuMs: (number | undefined)[] }> {
  const before = servers.map((s) => s.cpuMs());
  const reports = await Promise.all(
    argsList.map(async (args) => {
      const child = spawnChild(name, script, args);
      const report = await child.nextReport<T>();
      const code = await child.exited;
      children.splice(children.indexOf(child), 1);
      if (code !== 0) throw new Error(`${name} exited with code ${code}`);
      return report;
    }),
  );
  const serverCpuMs = servers.map((s, i) => {
    const a = before[i];
    const b = s.cpuMs();
    return a === undefined || b === undefined ? undefined : b - a;
  });
  return { reports, serverCpuMs };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const perCallUs = (ms: number | undefined, calls: number) =>
  ms === undefined || calls === 0 ? "?" : String(Math.round((ms * 1000) / calls));

async function main(): Promise<void> {
  const o = options;
  const cpu = cpus();
  console.log(
    `bench:gateway on ${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `a warm-up round, then ${o.rounds} round(s) of baseline then hutong, ` +
      `each run ${o.warmupSeconds} s warm-up + ${o.seconds} s measured, ` +
      `${o.concurrency} calls in flight over ${o.connections} HTTP/2 connection(s); ` +
      `request ${benchPath} of ${benchRequestBytes} bytes; hutong sessions ${o.protection === "sm4" ? "SM4-encrypted" : "plaintext (MACs only)"}\n`,
  );

  const pki = await openDevPki(join(dir, "pki"), [
    { id: benchParties.gateway, role: "gateway" },
    { id: benchParties.client, role: "system" },
  ]);
  const identity: ClientIdentityFiles = {
    ...pki.party(benchParties.client),
    anchors: [pki.rootCert],
    crls: pki.crls,
  };

  const backend = await startServer("backend", "./backend-process.ts", {});
  const [forwarder, gateway] = await Promise.all([
    startServer("grpc-js forwarder", "./grpc-js-forwarder.ts", { backend: backend.address }),
    startServer("hutong gateway", "./gateway-process.ts", {
      dir,
      config: {
        party: benchParties.gateway,
        role: "province",
        listen: { host: "127.0.0.1", port: 0 },
        dataDir: dir,
        identity: pki.party(benchParties.gateway),
        trust: { anchors: [pki.rootCert], crls: pki.crls },
        session: {
          ticketKeys: { current: { id: 1, secretFile: await pki.ticketKeyFile("gateway") } },
          // The handshake benchmark is one party handshaking back to back: measured, not rate-limited.
          handshake: { perAddress: null, perParty: null },
          ...(o.protection === "plaintext" ? { acceptPlaintext: [benchParties.client] } : {}),
        },
        routes: [{ match: benchParties.gateway, local: backend.address }],
        acl: [
          {
            callers: [benchParties.client],
            methods: ["hutong.v1.TicketService/VerifyTicket"],
            purposes: ["BOARDING_CHECK"],
          },
        ],
        observability: { logLevel: "silent" },
      },
    }),
  ]);
  console.log(
    `backend ${backend.address} (pid ${backend.pid}), grpc-js forwarder ${forwarder.address} (pid ${forwarder.pid}), ` +
      `hutong gateway ${gateway.address} (pid ${gateway.pid})\n`,
  );

  const runs: Record<LoadGeneratorArgs["mode"], LoadResult[]> = { baseline: [], hutong: [] };
  // Round 0 warms up the servers (JIT, connection pools, buffers) and is not counted: the first
  // seconds of a fresh Node server are far slower than its steady state.
  for (let round = 0; round <= o.rounds; round++) {
    for (const mode of ["baseline", "hutong"] as const) {
      const proxy = mode === "baseline" ? forwarder : gateway;
      const args: LoadGeneratorArgs = {
        mode,
        target: proxy.address,
        gateway: gateway.address,
        gatewayParty: benchParties.gateway,
        identity,
        seconds: o.seconds,
        warmupSeconds: o.warmupSeconds,
        concurrency: o.concurrency,
        connections: o.connections,
        protection: o.protection,
      };
      const {
        reports: [report],
        serverCpuMs,
      } = await measure<LoadResult>(`load generator (${mode})`, "./load-generator.ts", [args], [proxy, backend]);
      if (report === undefined) throw new Error("no report from the load generator");
      const n = report.totalRequests;
      console.log(
        `${round === 0 ? "warm-up" : `round ${round}`}  ${mode.padEnd(8)} ${r1(report.rps).toFixed(1).padStart(9)} calls/s  ` +
          `p50 ${report.p50Ms.toFixed(2)} ms  p99 ${report.p99Ms.toFixed(2)} ms  ` +
          `CPU per call: ${mode === "baseline" ? "forwarder" : "gateway"} ${perCallUs(serverCpuMs[0], n)} µs, ` +
          `backend ${perCallUs(serverCpuMs[1], n)} µs, generator ${perCallUs(report.cpuMs, n)} µs`,
      );
      if (report.errors > 0) {
        throw new Error(`${mode}: ${report.errors} call(s) failed; first: ${report.firstError ?? "?"}`);
      }
      if (round > 0) runs[mode].push(report);
      const base = runs.baseline.at(-1);
      if (round > 0 && mode === "hutong" && base !== undefined) {
        console.log(`         ratio this round ${r3(report.rps / base.rps)}`);
      }
    }
  }

  // The client half of a handshake costs as much CPU as the server half. One client process
  // and the gateway fall into lock step (each works through a burst while the other waits for
  // it), so the loops are spread over several client processes, which keeps the gateway busy.
  const handshakeArgs = Array.from(
    { length: o.handshakeClients },
    (_, i): HandshakeLoadArgs => ({
      gateway: gateway.address,
      gatewayParty: benchParties.gateway,
      identity,
      seconds: o.handshakeSeconds,
      warmupSeconds: o.warmupSeconds,
      loops: Math.floor(o.handshakeLoops / o.handshakeClients) + (i < o.handshakeLoops % o.handshakeClients ? 1 : 0),
    }),
  );
  const hs = await measure<HandshakeResult>("handshake load", "./handshake-load.ts", handshakeArgs, [gateway]);
  const sum = (f: (r: HandshakeResult) => number) => hs.reports.reduce((a, r) => a + f(r), 0);
  const handshakesPerS = sum((r) => r.handshakes) / o.handshakeSeconds;
  const totalHandshakes = sum((r) => r.totalHandshakes);
  console.log(
    `\nhandshakes   ${handshakesPerS.toFixed(1)} /s with ${o.handshakeLoops} client loops in ${o.handshakeClients} ` +
      `process(es) over ${o.handshakeSeconds} s  CPU per handshake: ` +
      `gateway ${perCallUs(hs.serverCpuMs[0], totalHandshakes)} µs, clients ${perCallUs(
        sum((r) => r.cpuMs),
        totalHandshakes,
      )} µs`,
  );
  const failed = hs.reports.find((r) => r.errors > 0);
  if (failed !== undefined) {
    throw new Error(`handshakes: ${sum((r) => r.errors)} failed; first: ${failed.firstError ?? "?"}`);
  }

  const baselineRps = median(runs.baseline.map((r) => r.rps));
  const hutongRps = median(runs.hutong.map((r) => r.rps));
  const summary = {
    baseline_rps: r1(baselineRps),
    hutong_rps: r1(hutongRps),
    ratio: r3(hutongRps / baselineRps),
    baseline_p99_ms: r3(median(runs.baseline.map((r) => r.p99Ms))),
    hutong_p99_ms: r3(median(runs.hutong.map((r) => r.p99Ms))),
    handshakes_per_s: r1(handshakesPerS),
  };
  console.log(
    `\nmedians      baseline ${summary.baseline_rps} calls/s (p99 ${summary.baseline_p99_ms} ms), ` +
      `hutong ${summary.hutong_rps} calls/s (p99 ${summary.hutong_p99_ms} ms), ratio ${summary.ratio}`,
  );
  for (const line of [
    "method:",
    "- backend, grpc-js forwarder, hutong gateway and each load generator are separate Node processes on this machine",
    "- one generator (node:http2, closed loop) drives both; every call carries its own timestamp, nonce and HMAC-SM3;",
    "  to hutong the request is SM4-encrypted (the forwarder gets it in clear); hutong's responses are all",
    "  MAC-checked and decrypted; every answer must be OK and, in clear, byte-identical to the first (checked)",
    "- hutong refused a tampered MAC and an ACL-denied purpose before each of its runs",
    "- rps and p99 are medians over the counted rounds; ratio = median hutong rps / median baseline rps",
    "- CPU per call is each process's user+system time over its whole run divided by the calls in it",
  ]) {
    console.log(line);
  }
  console.log(JSON.stringify(summary));
}

try {
  await main();
} catch (e) {
  if (!interrupted) console.error(`bench:gateway failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
