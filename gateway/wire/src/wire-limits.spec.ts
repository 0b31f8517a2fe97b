// The wire server's limits, each driven by a raw node:http2 (or TCP) peer that does what an attacker
// would: hold streams open, declare big messages and trickle them, never read, never finish the
// preface, open connection after connection. Each refusal is checked for its status and reason, its
// onLimit event, and the memory the server still holds afterwards.
import assert from "node:assert/strict";
import { type ClientHttp2Session, connect, constants } from "node:http2";
import { connect as tcpConnect } from "node:net";
import { afterEach, describe, it } from "node:test";
import { Status } from "./grpc-status.js";
import { frameMessage } from "./message-framing.js";
import { eventually } from "./testing-grpc.js";
import { grpcOutcome, grpcPost, partialFrame } from "./testing-h2.js";
import { WireError } from "./wire-error.js";
import type { WireLimitEvent, WireLimits } from "./wire-limits.js";
import { createWireServer, type Route, type StreamCall, type WireServer } from "./wire-server.js";

const admitted = "/test.Limits/Admitted"; // has an admission check: passes when x-ticket is "ok"
const open = "/test.Limits/Open"; // no admission check: an unauthenticated method
const hold = "/test.Limits/Hold"; // unauthenticated stream that never answers until cancelled
const flood = "/test.Limits/Flood"; // unauthenticated stream sending 256 KiB messages, paced by ready()

interface Harness {
  readonly server: WireServer;
  readonly url: string;
  readonly limits: WireLimitEvent[];
  readonly internal: unknown[];
  readonly handled: string[];
  readonly floodErrors: unknown[];
}

let running: { server: WireServer; clients: ClientHttp2Session[] } | undefined;
afterEach(async () => {
  for (const c of running?.clients ?? []) c.destroy();
  await running?.server.close(0);
  running = undefined;
});

async function start(limits: Partial<WireLimits>): Promise<Harness> {
  const events: WireLimitEvent[] = [];
  const internal: unknown[] = [];
  const handled: string[] = [];
  const floodErrors: unknown[] = [];
  const routes = new Map<string, Route>([
    [
      admitted,
      {
        kind: "unary",
        admit: (call) => {
          if (call.metadata["x-ticket"] !== "ok") {
            throw new WireError(Status.UNAUTHENTICATED, "session: no-session", {
              trailers: { "hutong-error": "no-session" },
            });
          }
        },
        handler: async (call) => {
          handled.push(admitted);
          return { body: call.body.subarray(0, 16) };
        },
      },
    ],
    [
      open,
      {
        kind: "unary",
        handler: async (call) => {
          handled.push(open);
          return { body: call.body };
        },
      },
    ],
    [
      hold,
      {
        kind: "stream",
        handler: (call: StreamCall) => new Promise((_, reject) => call.signal.addEventListener("abort", reject)),
      },
    ],
    [
      flood,
      {
        kind: "stream",
        handler: async (call: StreamCall) => {
          const chunk = Buffer.alloc(256 * 1024, 7);
          try {
            for (;;) {
              call.send(chunk);
              await call.ready();
            }
          } catch (e) {
            floodErrors.push(e);
            throw e;
          }
        },
      },
    ],
  ]);
  const server = createWireServer({
    resolve: (path) => routes.get(path),
    limits,
    onLimit: (e) => events.push(e),
    onInternalError: (e) => internal.push(e),
  });
  const address = await server.listen("127.0.0.1", 0);
  running = { server, clients: [] };
  return { server, url: `http://127.0.0.1:${address.port}`, limits: events, internal, handled, floodErrors };
}

function client(h: Harness, settings?: Parameters<typeof connect>[1]): ClientHttp2Session {
  const session = connect(h.url, settings);
  session.on("error", () => {});
  running?.clients.push(session);
  return session;
}

const MiB = 1024 * 1024;

describe("wire limits", () => {
  it("refuses a call from its headers before reading its body: admission", async () => {
    const h = await start({});
    const c = client(h);
    const s = grpcPost(c, admitted, { "x-ticket": "forged" });
    const result = grpcOutcome(s);
    s.write(partialFrame(4 * MiB, 512 * 1024)); // a declared 4 MiB body, half a MiB of it sent
    assert.deepEqual(await result, {
      status: Status.UNAUTHENTICATED,
      message: "session: no-session",
      error: "no-session",
    });
    assert.equal(h.server.usage.bufferedBytes, 0, "nothing of the body was buffered");
    const ok = grpcPost(c, admitted, { "x-ticket": "ok" });
    const okResult = grpcOutcome(ok);
    ok.end(frameMessage(Buffer.from("hello")));
    assert.equal((await okResult).status, Status.OK);
    assert.deepEqual(h.handled, [admitted]);
  });

  it("caps open unauthenticated streams per connection; admitted calls are not counted", async () => {
    const h = await start({ maxUnauthenticatedStreams: 4 });
    const c = client(h);
    const held = Array.from({ length: 4 }, () => grpcPost(c, hold));
    await eventually(() => h.server.activeCalls === 4, 2000, "four held streams");
    const fifth = grpcPost(c, open);
    const refused = grpcOutcome(fifth);
    fifth.end(frameMessage(Buffer.from("x")));
    const r = await refused;
    assert.equal(r.status, Status.RESOURCE_EXHAUSTED);
    assert.match(r.message, /^limit unauthenticated-streams: at most 4 open streams without a session/);
    assert.deepEqual(
      h.limits.map((e) => e.limit),
      ["unauthenticated-streams"],
    );
    const ok = grpcPost(c, admitted, { "x-ticket": "ok" });
    const okResult = grpcOutcome(ok);
    ok.end(frameMessage(Buffer.from("fine")));
    assert.equal((await okResult).status, Status.OK, "an admitted call is not an unauthenticated stream");
    // Another connection has its own count.
    const other = grpcPost(client(h), open);
    const otherResult = grpcOutcome(other);
    other.end(frameMessage(Buffer.from("y")));
    assert.equal((await otherResult).status, Status.OK);
    for (const s of held) s.close(constants.NGHTTP2_CANCEL);
    await eventually(() => h.server.activeCalls === 0, 2000, "held streams closed");
    const again = grpcPost(c, open);
    const againResult = grpcOutcome(again);
    again.end(frameMessage(Buffer.from("z")));
    assert.equal((await againResult).status, Status.OK, "slots come back when streams close");
  });

  it("charges what arrived, not what was declared, and refuses past the connection's buffer", async () => {
    const h = await start({ maxConnectionBufferBytes: 1 * MiB });
    const c = client(h);
    // Three streams each declaring 4 MiB and sending 256 KiB: 768 KiB held, under the 1 MiB cap.
    const first = Array.from({ length: 3 }, () => {
      const s = grpcPost(c, admitted, { "x-ticket": "ok" });
      s.write(partialFrame(4 * MiB, 256 * 1024));
      return s;
    });
    await eventually(() => h.server.usage.bufferedBytes === 3 * 256 * 1024, 2000, "768 KiB buffered");
    const fourth = grpcPost(c, admitted, { "x-ticket": "ok" });
    const refused = grpcOutcome(fourth);
    fourth.write(partialFrame(4 * MiB, 512 * 1024));
    const r = await refused;
    assert.equal(r.status, Status.RESOURCE_EXHAUSTED);
    assert.match(r.message, /^limit connection-buffer: more than 1048576 bytes buffered for this connection$/);
    assert.ok(h.server.usage.bufferedBytes <= 1 * MiB, `held ${h.server.usage.bufferedBytes}`);
    for (const s of first) s.close(constants.NGHTTP2_CANCEL);
    await eventually(() => h.server.usage.bufferedBytes === 0, 2000, "everything released");
    assert.deepEqual(h.handled, [], "no handler saw a partial message");
    assert.ok(h.limits.some((e) => e.limit === "connection-buffer"));
  });

  it("holds every connection together to the global budget", async () => {
    const h = await start({ maxConnectionBufferBytes: 1 * MiB, maxBufferBytes: 1 * MiB + 512 * 1024 });
    const streams = [client(h), client(h)].map((c) => {
      const s = grpcPost(c, admitted, { "x-ticket": "ok" });
      s.write(partialFrame(4 * MiB, 768 * 1024));
      return s;
    });
    await eventually(() => h.server.usage.bufferedBytes === 1536 * 1024, 2000, "1.5 MiB buffered");
    const third = grpcPost(client(h), admitted, { "x-ticket": "ok" });
    const refused = grpcOutcome(third);
    third.write(partialFrame(1024, 100));
    const r = await refused;
    assert.equal(r.status, Status.RESOURCE_EXHAUSTED);
    assert.equal(r.message, "limit buffer-budget: the server's buffer budget is spent");
    for (const s of streams) s.close(constants.NGHTTP2_CANCEL);
    await eventually(() => h.server.usage.bufferedBytes === 0, 2000, "released");
  });

  it("times out a request message that trickles or never comes", async () => {
    const h = await start({ messageTimeoutMs: 200 });
    const c = client(h);
    const silent = grpcPost(c, admitted, { "x-ticket": "ok" }); // headers, then nothing
    const trickle = grpcPost(c, admitted, { "x-ticket": "ok" });
    const silentResult = grpcOutcome(silent);
    const trickleResult = grpcOutcome(trickle);
    trickle.write(partialFrame(1000, 10));
    const timer = setInterval(() => trickle.write(Buffer.alloc(1, 2)), 20);
    try {
      for (const r of [await silentResult, await trickleResult]) {
        assert.equal(r.status, Status.RESOURCE_EXHAUSTED);
        assert.equal(r.message, "limit message-time: request message not received within 200 ms");
      }
    } finally {
      clearInterval(timer);
    }
    assert.equal(h.server.usage.bufferedBytes, 0);
    assert.deepEqual(h.handled, []);
    const ok = grpcPost(c, admitted, { "x-ticket": "ok" });
    const okResult = grpcOutcome(ok);
    ok.end(frameMessage(Buffer.from("in time")));
    assert.equal((await okResult).status, Status.OK);
  });

  it("closes a connection that never finishes the HTTP/2 preface", async () => {
    const h = await start({ prefaceTimeoutMs: 200 });
    const port = Number(new URL(h.url).port);
    const closedAfter = await new Promise<number>((resolve) => {
      const started = Date.now();
      // The genuine preface, a byte every 100 ms: valid so far at every moment, never finished in time.
      const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      let sent = 0;
      const socket = tcpConnect(port, "127.0.0.1");
      socket.resume();
      const timer = setInterval(() => {
        if (socket.writable && sent < preface.length) socket.write(preface.subarray(sent, ++sent));
      }, 100);
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      });
    });
    assert.ok(closedAfter < 2000, `closed after ${closedAfter} ms`);
    assert.ok(h.limits.some((e) => e.limit === "preface-time"));
    assert.equal(h.server.usage.connections, 0);
  });

  it("tells an idle connection to go away, then closes it", async () => {
    const h = await start({ idleTimeoutMs: 200, goawayGraceMs: 200 });
    const c = client(h);
    const s = grpcPost(c, open);
    const r = grpcOutcome(s);
    s.end(frameMessage(Buffer.from("once")));
    assert.equal((await r).status, Status.OK);
    let goaway = false;
    c.on("goaway", () => {
      goaway = true;
    });
    await new Promise((resolve) => c.on("close", resolve));
    assert.equal(goaway, true, "GOAWAY before the close");
    assert.deepEqual(
      h.limits.map((e) => e.limit),
      ["idle"],
    );
    await eventually(() => h.server.usage.connections === 0, 2000, "connection gone");
  });

  it("caps connections per peer address and closes the next at once", async () => {
    const h = await start({ maxConnectionsPerPeer: 3 });
    const ok = async (c: ClientHttp2Session) => {
      const s = grpcPost(c, open);
      const r = grpcOutcome(s);
      s.end(frameMessage(Buffer.from("hi")));
      return (await r).status;
    };
    const three = [client(h), client(h), client(h)];
    for (const c of three) assert.equal(await ok(c), Status.OK);
    const fourth = client(h);
    await new Promise((resolve) => fourth.on("close", resolve));
    assert.deepEqual(
      h.limits.map((e) => e.limit),
      ["connections-per-peer"],
    );
    three[0]?.destroy();
    await eventually(() => h.server.usage.connections === 2, 2000, "one closed");
    assert.equal(await ok(client(h)), Status.OK, "a slot freed by a close is usable");
  });

  it("bounds what a reader with a zero window makes the server hold, and lets it go", async () => {
    const h = await start({ maxConnectionBufferBytes: 2 * MiB, maxUnauthenticatedStreams: 8 });
    // The attacker of the issue: advertises a zero receive window, opens streams, never reads.
    const c = client(h, { settings: { initialWindowSize: 0 } });
    const streams = Array.from({ length: 8 }, () => {
      const s = grpcPost(c, flood);
      s.end(frameMessage(Buffer.alloc(0)));
      s.pause();
      return s;
    });
    // Streams that fit wait in ready() (backpressure); the one that would pass the budget is refused.
    await eventually(() => h.floodErrors.length >= 1, 5000, "a flood stream refused");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const e of h.floodErrors) {
      assert.ok(e instanceof WireError);
      assert.equal(e.code, Status.RESOURCE_EXHAUSTED);
      assert.match(e.message, /^limit connection-buffer/);
    }
    assert.ok(h.server.usage.bufferedBytes <= 2 * MiB, `held ${h.server.usage.bufferedBytes}`);
    assert.ok(h.limits.some((e) => e.limit === "connection-buffer"));
    for (const s of streams) s.close(constants.NGHTTP2_CANCEL);
    c.destroy();
    await eventually(() => h.server.usage.bufferedBytes === 0, 3000, "released when the reader leaves");
  });

  it("closes a connection after rapid reset instead of leaving it open after the GOAWAY", async () => {
    const h = await start({ goawayGraceMs: 200 });
    const c = client(h);
    let goaway = -1;
    c.on("goaway", (code: number) => {
      goaway = code;
    });
    const closed = new Promise((resolve) => c.on("close", resolve));
    // Open and cancel streams as fast as the client can (CVE-2023-44487).
    for (let i = 0; i < 20_000 && !c.closed && !c.destroyed && goaway < 0; i++) {
      const s = grpcPost(c, admitted, { "x-ticket": "ok" });
      s.close(constants.NGHTTP2_CANCEL);
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3000))]);
    assert.equal(c.closed || c.destroyed, true, `connection still open (goaway ${goaway})`);
    await eventually(() => h.server.usage.connections === 0, 3000, "the gateway let the connection go");
    assert.ok(h.limits.some((e) => e.limit === "rapid-reset"));
    assert.deepEqual(h.internal, []);
  });

  it("takes a client's RST_STREAM(NO_ERROR) as a cancel: no internal error, no answer on a closed stream", async () => {
    const h = await start({});
    const c = client(h);
    // What node's client does in session.destroy(): streams opened, then reset with NO_ERROR.
    const streams = Array.from({ length: 200 }, (_, i) => {
      const s = grpcPost(c, admitted, { "x-ticket": "ok" });
      if (i % 2 === 0) s.write(partialFrame(100, 10));
      return s;
    });
    await eventually(() => h.server.activeCalls === 200, 2000, "200 open calls");
    for (const s of streams.slice(0, 100)) s.close(constants.NGHTTP2_NO_ERROR);
    c.destroy();
    await eventually(() => h.server.activeCalls === 0, 2000, "every call accounted for");
    assert.deepEqual(h.internal, [], "no internal error from answering reset streams");
    assert.deepEqual(h.handled, [], "no handler ran for a request that never completed");
    assert.equal(h.server.usage.bufferedBytes, 0);
  });
});
