// The handshake flood of issue 11, item 3, and what it costs legitimate calls: one client replays a
// single captured ClientHello on 256 concurrent HTTP/2 streams at a real `hutong start` process,
// while a legitimate client makes calls on a session established before the flood. Reports the
// legitimate calls' latency (p50, p99, max) without and with the flood, the Hellos the gateway
// answered and refused per second, and the gateway's CPU.
//
// Self-contained on purpose (node builtins, the harness, @hutong/session's hello codec): the same
// file runs in a checkout of an earlier commit, so "before" and "after" are measured in one run
// (handshake-flood.robustness.ts). Run as a script with `--flood <json>` it is the flooding client.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { type ClientHttp2Session, connect } from "node:http2";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadCredentialFiles } from "@hutong/client";
import { Purpose, TicketServiceService } from "@hutong/proto";
import { createHandshakeClient, helloRequest, sessionPaths } from "@hutong/session";
import { localCaller, remoteCaller, startGatewayProcess } from "./testing-robustness.js";

export interface LatencySummary {
  readonly calls: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface FloodCounts {
  readonly seconds: number;
  /** Hellos answered (each an SM2 signature), per second. */
  readonly answeredPerSecond: number;
  /** Hellos refused `busy`, per second. */
  readonly refusedPerSecond: number;
  readonly otherPerSecond: number;
}

export interface FloodReport {
  readonly quiet: LatencySummary;
  readonly flood: LatencySummary;
  readonly hellos: FloodCounts;
  /** The gateway process's CPU use, % of one core, in each phase. */
  readonly gatewayCpu: { readonly quiet: number; readonly flood: number };
}

export interface FloodOptions {
  /** Deep-merged over the harness's gateway config. */
  readonly config?: Record<string, unknown>;
  readonly seconds?: number;
  readonly streams?: number;
  /** Legitimate calls in flight at once (each loop sequential). */
  readonly loops?: number;
}

function summarize(samples: number[], errors: number): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))] ?? Number.NaN;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { calls: sorted.length, errors, p50Ms: r(at(50)), p99Ms: r(at(99)), maxMs: r(sorted.at(-1) ?? Number.NaN) };
}

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The flooding client: `streams` streams, each sending the same Hello again as soon as it is answered. */
async function flood(args: { address: string; hello: string; streams: number }): Promise<void> {
  const body = Buffer.from(args.hello, "hex");
  const framed = Buffer.alloc(5 + body.length);
  framed.writeUInt32BE(body.length, 1);
  body.copy(framed, 5);
  const counts = { answered: 0, refused: 0, other: 0 };
  const started = performance.now();
  let stopping = false;
  // The gateway may close a connection this abusive (since the wire limits, 240 of the 256 streams
  // are refused at once and re-sent at once, and the connection does not last the phase): an
  // attacker reconnects, and so does this one, so the flood lasts the whole phase.
  let session: ClientHttp2Session | undefined;
  const open = () => {
    session = connect(`http://${args.address}`, { settings: { maxConcurrentStreams: 1000 } });
    session.on("error", () => {});
    session.on("close", () => {
      if (!stopping) setTimeout(open, 10);
    });
    for (let i = 0; i < args.streams; i++) one();
  };
  const one = () => {
    if (stopping || session === undefined || session.destroyed || session.closed) return;
    const stream = session.request({
      ":method": "POST",
      ":path": sessionPaths.hello,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let status: string | undefined;
    let code: string | undefined;
    const take = (h: Record<string, unknown>) => {
      if (typeof h["grpc-status"] === "string") status = h["grpc-status"];
      if (typeof h["hutong-error"] === "string") code = h["hutong-error"];
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("close", () => {
      if (status === "0") counts.answered++;
      else if (code === "busy") counts.refused++;
      else counts.other++;
      one();
    });
    stream.end(framed);
  };
  open();
  console.log("flooding");
  const alive = setInterval(() => {}, 1000); // the process lives until SIGTERM, connected or not
  await once(process, "SIGTERM");
  clearInterval(alive);
  stopping = true;
  const seconds = (performance.now() - started) / 1000;
  const per = (n: number) => Math.round((n / seconds) * 10) / 10;
  console.log(
    JSON.stringify({
      seconds: Math.round(seconds * 10) / 10,
      answeredPerSecond: per(counts.answered),
      refusedPerSecond: per(counts.refused),
      otherPerSecond: per(counts.other),
    } satisfies FloodCounts),
  );
  session?.destroy();
  process.exit(0);
}

async function startFlood(address: string, hello: string, streams: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=hutong-source",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--flood",
      JSON.stringify({ address, hello, streams }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) if (line === "flooding") break;
  return child;
}

async function stopFlood(child: ChildProcess): Promise<FloodCounts> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const result = new Promise<FloodCounts>((resolve) => {
    lines.on("line", (line) => {
      if (line.startsWith("{")) resolve(JSON.parse(line) as FloodCounts);
    });
  });
  child.kill("SIGTERM");
  return result;
}

/** Runs the quiet phase, then the flood phase, against a fresh gateway process; see the file's head. */
export async function measureFloodImpact(options: FloodOptions = {}): Promise<FloodReport> {
  const seconds = options.seconds ?? 5;
  const gw = await startGatewayProcess(options.config === undefined ? {} : { config: options.config });
  try {
    const pid = gw.child.pid ?? -1;
    const client = await gw.client(localCaller);
    const call = () =>
      client.unary(TicketServiceService.verifyTicket, {
        context: {
          targetParty: "prov:510000",
          purpose: Purpose.PURPOSE_BOARDING_CHECK,
          grantId: "",
          correlationId: "",
        },
        ticketNo: "5120261121000001",
        holderIdType: 0,
        holderIdNo: "",
        holderName: "",
        scheduleNo: "",
      });
    // The session is established, and warm, before anything is measured.
    for (let i = 0; i < 50; i++) await call();
    const measure = async () => {
      const samples: number[] = [];
      let errors = 0;
      const end = performance.now() + seconds * 1000;
      const cpu0 = await cpuMs(pid);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: options.loops ?? 4 }, async () => {
          while (performance.now() < end) {
            const start = performance.now();
            try {
              await call();
              samples.push(performance.now() - start);
            } catch {
              errors++;
            }
          }
        }),
      );
      const cpu = ((await cpuMs(pid)) - cpu0) / (performance.now() - t0);
      return { latency: summarize(samples, errors), cpu: Math.round(cpu * 100) };
    };
    const quiet = await measure();
    // The attacker's ClientHello: any party's will do (another province's system here).
    const creds = await loadCredentialFiles({
      ...gw.pki.party(remoteCaller),
      anchors: [gw.pki.rootCert],
      crls: gw.pki.crls,
    });
    const hs = createHandshakeClient({ privateKey: creds.privateKey, chain: creds.chain, trust: creds.trust });
    const hello = helloRequest.encode(hs.start("prov:510000").clientHello).toString("hex");
    const flooder = await startFlood(gw.address, hello, options.streams ?? 256);
    // Let the flood reach its pace before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const flooded = await measure();
    const hellos = await stopFlood(flooder);
    client.close();
    return {
      quiet: quiet.latency,
      flood: flooded.latency,
      hellos,
      gatewayCpu: { quiet: quiet.cpu, flood: flooded.cpu },
    };
  } finally {
    await gw.stop();
  }
}

if (process.argv[2] === "--flood") {
  await flood(JSON.parse(process.argv[3] ?? "{}"));
}
