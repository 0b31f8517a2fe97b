// Wire abuse against a gateway process: the findings 1, 2, 5 and 6 replayed from outside
// with raw node:http2 and TCP peers, each case measuring the process's RSS before, at its peak
// (sampled while the attack runs) and after, and ending with a legitimate call.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { type Socket, connect as tcpConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { grpcOutcome, grpcPost, partialFrame } from "@hutong/wire/testing";
import { capturedCall, Status, verifyPath } from "./testing-abuse.js";
import {
  type GatewayProcess,
  type GatewayProcessOptions,
  localCaller,
  startGatewayProcess,
} from "./testing-robustness.js";

const MiB = 1024 * 1024;

/** The gateway config the wire cases run against: reflection on (the amplification vector), quick timeouts. */
export const wireAbuseOptions: GatewayProcessOptions = {
  config: {
    reflection: true,
    limits: { prefaceTimeoutMs: 1000, messageTimeoutMs: 2000, idleTimeoutMs: 2000, goawayGraceMs: 1000 },
  },
};

export interface WireCaseFigures {
  readonly name: string;
  readonly rssBeforeMiB: number;
  readonly rssPeakMiB: number;
  readonly rssAfterMiB: number;
  /** What the case counted at the receiving end, e.g. streams refused. */
  readonly facts: Record<string, number>;
}

/** Samples the gateway's RSS every 50 ms while `run` runs; the peak. */
async function peakWhile(gw: GatewayProcess, run: () => Promise<Record<string, number>>) {
  let peak = await gw.rssMiB();
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await gw.rssMiB());
      await sleep(50);
    }
  })();
  try {
    const facts = await run();
    return { facts, peak: Math.max(peak, await gw.rssMiB()) };
  } finally {
    running = false;
    await sampler;
  }
}

function h2(gw: GatewayProcess, options?: Parameters<typeof connect>[1]): ClientHttp2Session {
  // The attacker's own node:http2 would reset its streams past 10 MB queued (maxSessionMemory).
  const s = connect(`http://${gw.address}`, { maxSessionMemory: 1024, ...options });
  s.on("error", () => {});
  return s;
}

/** The gRPC status a stream ended with (-1: reset or closed without one). */
const statusOf = (stream: ClientHttp2Stream): Promise<number> => grpcOutcome(stream).then((o) => o.status);

/** A captured session's headers with a fresh timestamp and an unused nonce: they pass admission, the MAC will not. */
async function capturedHeaders(gw: GatewayProcess): Promise<() => Record<string, string>> {
  const { metadata } = await capturedCall(gw, localCaller);
  return () => ({
    ...metadata,
    "hutong-ts": String(Date.now()),
    "hutong-nonce": randomBytes(16).toString("hex"),
  });
}

const reflectionPath = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
/** ServerReflectionRequest{file_containing_symbol: "hutong.v1.TicketService"}: answered with the whole contract. */
const reflectionRequest = (() => {
  const symbol = Buffer.from("hutong.v1.TicketService");
  return Buffer.concat([Buffer.from([0x22, symbol.length]), symbol]);
})();

export interface WireCase {
  readonly name: string;
  /** RSS growth from before to peak the case must stay under, MiB. */
  readonly peakBoundMiB: number;
  run(gw: GatewayProcess, scale: number): Promise<Record<string, number>>;
}

export const wireCases: readonly WireCase[] = [
  {
    // Finding 1: zero receive window, reflection streams that are never read.
    name: "reflection amplification (zero window, streams never read)",
    peakBoundMiB: 48,
    async run(gw, scale) {
      const c = h2(gw, { settings: { initialWindowSize: 0 } });
      const streams = Array.from({ length: 100 * scale }, () => {
        const s = grpcPost(c, reflectionPath);
        s.write(partialFrame(reflectionRequest.length, 0));
        s.write(reflectionRequest);
        return s;
      });
      const statuses = streams.map(statusOf);
      await sleep(1500);
      // Refused ones answered at once; the admitted ones sit on their unread responses.
      const settled = await Promise.race([Promise.all(statuses), sleep(500).then(() => undefined)]);
      c.destroy();
      const codes = settled ?? (await Promise.all(statuses));
      // One warning for the limit at its first hit, not a line per refused stream; never a metric per peer.
      const lines = gw
        .output()
        .split("\n")
        .filter((l) => l.includes('"msg":"wire limit hit"') && l.includes('"limit":"unauthenticated-streams"'));
      assert.ok(lines.length >= 1 && lines.length <= 2, `${lines.length} wire-limit lines`);
      return {
        streams: streams.length,
        refused: codes.filter((code) => code === Status.RESOURCE_EXHAUSTED).length,
      };
    },
  },
  {
    // Finding 2: bodies declared at 4 MiB, 256 KiB sent, held. Without a ticket: refused on headers.
    name: "declared 4 MiB bodies without a session (4 connections × 250 streams)",
    peakBoundMiB: 32,
    async run(gw, scale) {
      const conns = Array.from({ length: 4 }, () => h2(gw));
      const statuses: Promise<number>[] = [];
      for (const c of conns) {
        for (let i = 0; i < 25 * scale; i++) {
          const s = grpcPost(c, verifyPath);
          statuses.push(statusOf(s));
          s.write(partialFrame(4 * MiB, 256 * 1024));
        }
      }
      const codes = await Promise.all(statuses);
      for (const c of conns) c.destroy();
      return { streams: codes.length, unauthenticated: codes.filter((x) => x === Status.UNAUTHENTICATED).length };
    },
  },
  {
    // Finding 6: silent connections and a preface trickled a byte a second.
    name: "slowloris: silent and trickling connections",
    peakBoundMiB: 48,
    async run(gw, scale) {
      const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      const started = Date.now();
      const closedAt: number[] = [];
      const sockets: Socket[] = Array.from({ length: 20 * scale }, (_, i) => {
        const s = tcpConnect(gw.port, gw.host);
        s.on("error", () => {});
        s.resume(); // read what the gateway sends, so that its close is seen
        s.on("close", () => closedAt.push(Date.now() - started));
        if (i % 2 === 0) {
          let sent = 0;
          const t = setInterval(() => {
            if (s.writable && sent < preface.length) s.write(preface.subarray(sent, ++sent));
            else clearInterval(t);
          }, 200);
          s.on("close", () => clearInterval(t));
        }
        return s;
      });
      const deadline = Date.now() + 10_000;
      while (closedAt.length < sockets.length && Date.now() < deadline) await sleep(100);
      for (const s of sockets) s.destroy();
      assert.equal(closedAt.length, sockets.length, "every slow connection closed by the gateway");
      return { connections: sockets.length, slowestCloseMs: Math.max(...closedAt) };
    },
  },
  {
    // Finding 6: a connection flood from one address.
    name: "connection flood from one address",
    peakBoundMiB: 64,
    async run(gw, scale) {
      const sessions = Array.from({ length: 200 * scale }, () => h2(gw));
      // Counted at the attacker's end once the gateway's closes have arrived (2,000 connects take a while).
      const stillOpen = () => sessions.filter((s) => !s.closed && !s.destroyed).length;
      for (let waited = 0; waited < 10_000 && stillOpen() > 64; waited += 100) await sleep(100);
      await sleep(300);
      const open = stillOpen();
      for (const s of sessions) s.destroy();
      return { connections: sessions.length, keptOpen: open };
    },
  },
  {
    // Finding 5: streams reset with NO_ERROR, as node's client does in session.destroy().
    name: "streams reset with NO_ERROR by session.destroy()",
    peakBoundMiB: 32,
    async run(gw, scale) {
      const headers = await capturedHeaders(gw);
      const from = gw.output().length;
      for (let round = 0; round < scale; round++) {
        const c = h2(gw);
        for (let i = 0; i < 100; i++) grpcPost(c, verifyPath, headers()).write(partialFrame(100, 10));
        await sleep(100);
        c.destroy();
      }
      await sleep(300);
      const internal = gw
        .output()
        .slice(from)
        .split("\n")
        .filter((l) => l.includes("internal error")).length;
      assert.equal(internal, 0, "no internal-error line for a reset stream");
      return { streams: 100 * scale, internalErrorLines: internal };
    },
  },
  {
    // Malformed framing past admission (a captured ticket): each refused with its status, nothing handled.
    name: "malformed gRPC framing on a captured ticket",
    peakBoundMiB: 32,
    async run(gw, scale) {
      const headers = await capturedHeaders(gw);
      const c = h2(gw);
      const huge = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
      const kinds: { name: string; body: Buffer; end: boolean; want: number }[] = [
        {
          name: "compressed",
          body: Buffer.concat([Buffer.from([1, 0, 0, 0, 2]), Buffer.from("hi")]),
          end: true,
          want: Status.INTERNAL,
        },
        { name: "bad flag", body: Buffer.from([7, 0, 0, 0, 0]), end: true, want: Status.INTERNAL },
        { name: "4 GiB declared", body: huge, end: false, want: Status.RESOURCE_EXHAUSTED },
        { name: "truncated", body: partialFrame(100, 10), end: true, want: Status.INTERNAL },
        { name: "cut prefix", body: Buffer.from([0, 0]), end: true, want: Status.INTERNAL },
      ];
      const results = await Promise.all(
        Array.from({ length: 20 * scale }, (_, i) => {
          const kind = kinds[i % kinds.length] as (typeof kinds)[number];
          const s = grpcPost(c, verifyPath, headers());
          const status = statusOf(s);
          if (kind.end) s.end(kind.body);
          else s.write(kind.body);
          return status.then((got) => ({ kind, got }));
        }),
      );
      c.destroy();
      for (const { kind, got } of results) assert.equal(got, kind.want, `${kind.name}: status ${got}`);
      return { streams: results.length, asExpected: results.length };
    },
  },
  {
    // Rapid reset (CVE-2023-44487): streams opened and cancelled as fast as the client can.
    name: "rapid reset",
    peakBoundMiB: 48,
    async run(gw, scale) {
      const headers = await capturedHeaders(gw);
      const c = h2(gw);
      const closed = new Promise((resolve) => c.on("close", resolve));
      let opened = 0;
      for (; opened < 2_000 * scale && !c.closed && !c.destroyed; opened++) {
        grpcPost(c, verifyPath, headers()).close(constants.NGHTTP2_CANCEL);
        if (opened % 200 === 0) await sleep(0);
      }
      const started = Date.now();
      await Promise.race([closed, sleep(10_000)]);
      assert.ok(c.closed || c.destroyed, "the connection was ended (GOAWAY from the gateway)");
      return { streamsOpened: opened, closedAfterMs: Date.now() - started };
    },
  },
  {
    // Finding 2 with a captured ticket, one connection: its buffer bounds it.
    name: "declared 4 MiB bodies on a captured ticket, one connection (250 streams)",
    // The target per connection; the default buffer (12 MiB) costs up to 2.1× that in RSS.
    peakBoundMiB: 32,
    async run(gw, scale) {
      const headers = await capturedHeaders(gw);
      const c = h2(gw);
      const statuses: Promise<number>[] = [];
      for (let i = 0; i < 25 * scale; i++) {
        const s = grpcPost(c, verifyPath, headers());
        statuses.push(statusOf(s));
        s.write(partialFrame(4 * MiB, 256 * 1024));
      }
      const codes = await Promise.all(statuses);
      c.destroy();
      return { streams: codes.length, exhausted: codes.filter((x) => x === Status.RESOURCE_EXHAUSTED).length };
    },
  },
  {
    // Finding 2 with a captured ticket: admission passes, the connection's buffer and the budget bound it.
    name: "declared 4 MiB bodies on a captured ticket (12 connections × 250 streams)",
    // The target in all; the default budget (160 MiB) costs up to 1.4× that in RSS (copies and
    // read buffers not yet collected). Last: the RSS it leaves (freed, but kept by the allocator)
    // would count against the cases after it.
    peakBoundMiB: 256,
    async run(gw, scale) {
      const headers = await capturedHeaders(gw);
      const conns = Array.from({ length: scale >= 10 ? 12 : 2 }, () => h2(gw));
      const statuses: Promise<number>[] = [];
      for (const c of conns) {
        for (let i = 0; i < 25 * scale; i++) {
          const s = grpcPost(c, verifyPath, headers());
          statuses.push(statusOf(s));
          s.write(partialFrame(4 * MiB, 256 * 1024));
        }
      }
      // Held until message-time (2 s in this config) ends them.
      const codes = await Promise.all(statuses);
      for (const c of conns) c.destroy();
      return { streams: codes.length, exhausted: codes.filter((x) => x === Status.RESOURCE_EXHAUSTED).length };
    },
  },
];

/** Runs one case and checks its bound on RSS growth; a legitimate call succeeds after it. */
export async function runWireCase(gw: GatewayProcess, c: WireCase, scale: number): Promise<WireCaseFigures> {
  const before = await gw.rssMiB();
  const { facts, peak } = await peakWhile(gw, () => c.run(gw, scale));
  await sleep(500);
  await gw.legitimateCall();
  const after = await gw.rssMiB();
  assert.ok(
    peak - before <= c.peakBoundMiB,
    `${c.name}: RSS +${(peak - before).toFixed(0)} MiB, bound ${c.peakBoundMiB}`,
  );
  return { name: c.name, rssBeforeMiB: before, rssPeakMiB: peak, rssAfterMiB: after, facts };
}

export function describeFigures(f: WireCaseFigures): string {
  const facts = Object.entries(f.facts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${f.name}: RSS ${f.rssBeforeMiB.toFixed(0)} → peak ${f.rssPeakMiB.toFixed(0)} → ${f.rssAfterMiB.toFixed(0)} MiB; ${facts}`;
}

/** The suite, at `scale` (1 in `npm test`, 10 in the heavy run): every case against one gateway process. */
export function describeWireAbuse(title: string, scale: number): void {
  describe(title, () => {
    let gw: GatewayProcess;
    before(async () => {
      gw = await startGatewayProcess(wireAbuseOptions);
    });
    after(() => gw?.stop());

    for (const c of wireCases) {
      it(c.name, async (t) => {
        const f = await runWireCase(gw, c, scale);
        t.diagnostic(describeFigures(f));
        if (c.name.startsWith("reflection")) assert.equal(f.facts.refused, (f.facts.streams ?? 0) - 16);
        if (c.name.includes("without a session")) assert.equal(f.facts.unauthenticated, f.facts.streams);
        if (c.name.startsWith("connection flood")) assert.ok((f.facts.keptOpen ?? 0) <= 64);
      });
    }
  });
}
