// The wire channel against real grpc-js servers: every outcome a forwarder has to tell apart.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer as createTcpServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  Client,
  credentials,
  Metadata as GrpcMetadata,
  status as grpcStatus,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { Status } from "./grpc-status.js";
import {
  eventually,
  type RunningGrpcServer,
  rawMethod,
  rawUnary,
  selfSignedCert,
  startGrpcServer,
} from "./testing-grpc.js";
import { createWireChannel } from "./wire-channel.js";
import { isWireError, WireError } from "./wire-error.js";
import { createWireServer } from "./wire-server.js";

const service: ServiceDefinition = {
  Echo: rawMethod("/test.Backend/Echo"),
  Fail: rawMethod("/test.Backend/Fail"),
  Slow: rawMethod("/test.Backend/Slow"),
  Big: rawMethod("/test.Backend/Big"),
};

interface BackendLog {
  cancelled: number;
  lastMetadata: GrpcMetadata | undefined;
  slowStarted: number;
}

type Handler = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void;

function implementation(log: BackendLog): Record<string, Handler> {
  return {
    Echo: (call, callback) => {
      log.lastMetadata = call.metadata;
      const headers = new GrpcMetadata();
      headers.set("x-backend", "b1");
      call.sendMetadata(headers);
      const trailers = new GrpcMetadata();
      trailers.set("x-trailer", "t1");
      callback(null, Buffer.concat([Buffer.from("echo:"), call.request]), trailers);
    },
    Fail: (_call, callback) => {
      const metadata = new GrpcMetadata();
      metadata.set("x-why", "no-grant");
      metadata.set("x-blob-bin", Buffer.from([0, 1, 2, 255]));
      callback({ code: grpcStatus.FAILED_PRECONDITION, details: "grant expired: 过期 100%", metadata });
    },
    Slow: (call, callback) => {
      log.slowStarted++;
      const timer = setTimeout(() => callback(null, Buffer.from("slow")), Number(call.request.toString() || "10000"));
      call.on("cancelled", () => {
        log.cancelled++;
        clearTimeout(timer);
      });
    },
    Big: (_call, callback) => callback(null, Buffer.alloc(3000, 7)),
  };
}

const expectWire = (code: number, message?: RegExp) => (e: unknown) => {
  assert.ok(isWireError(e), `not a WireError: ${String(e)}`);
  assert.equal((e as WireError).code, code, `code ${(e as WireError).code}: ${(e as WireError).message}`);
  if (message) assert.match((e as WireError).message, message);
  return true;
};

describe("wire channel against grpc-js", () => {
  const log: BackendLog = { cancelled: 0, lastMetadata: undefined, slowStarted: 0 };
  let backend: RunningGrpcServer;

  before(async () => {
    backend = await startGrpcServer([[service, implementation(log)]]);
  });
  after(async () => {
    await backend.stop();
  });

  it("makes a unary call: body, metadata out, headers and trailers back", async () => {
    const channel = createWireChannel(backend.address);
    assert.equal(channel.address, backend.address);
    const r = await channel.unary("/test.Backend/Echo", Buffer.from("hi"), {
      "x-call": "c1",
      "x-bin-bin": Buffer.from([1, 2]).toString("base64"),
      // Reserved keys in forwarded metadata are dropped, not sent twice.
      "content-type": "text/evil",
      "grpc-timeout": "1n",
    });
    channel.close();
    assert.deepEqual(r.body, Buffer.from("echo:hi"));
    assert.equal(r.headers["x-backend"], "b1");
    assert.equal(r.trailers["x-trailer"], "t1");
    assert.equal(r.trailers["grpc-status"], undefined);
    assert.deepEqual(log.lastMetadata?.get("x-call"), ["c1"]);
    assert.deepEqual(log.lastMetadata?.get("x-bin-bin"), [Buffer.from([1, 2])]);
  });

  it("propagates an error status with its message and trailers", async () => {
    const channel = createWireChannel(backend.address);
    const error = await channel.unary("/test.Backend/Fail", Buffer.from("x"), {}).then(
      () => assert.fail("should fail"),
      (e: unknown) => e as WireError,
    );
    channel.close();
    expectWire(Status.FAILED_PRECONDITION)(error);
    assert.equal(error.message, "grant expired: 过期 100%");
    assert.equal(error.trailers["x-why"], "no-grant");
    // -bin values stay base64 text, as received.
    assert.deepEqual(Buffer.from(error.trailers["x-blob-bin"] ?? "", "base64"), Buffer.from([0, 1, 2, 255]));
  });

  it("rejects metadata node:http2 cannot send with INTERNAL, and stays usable", async () => {
    const channel = createWireChannel(backend.address);
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.from("x"), { "bad key": "v" }),
      expectWire(Status.INTERNAL, /invalid metadata/),
    );
    assert.deepEqual((await channel.unary("/test.Backend/Echo", Buffer.from("y"), {})).body, Buffer.from("echo:y"));
    channel.close();
  });

  it("maps an unknown method at the backend to UNIMPLEMENTED", async () => {
    const channel = createWireChannel(backend.address);
    await assert.rejects(
      channel.unary("/test.Backend/Missing", Buffer.from("x"), {}),
      expectWire(Status.UNIMPLEMENTED),
    );
    channel.close();
  });

  it("fails fast with UNAVAILABLE when nothing listens", async () => {
    const port = await freePort();
    const channel = createWireChannel(`127.0.0.1:${port}`);
    const started = Date.now();
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.from("x"), {}),
      expectWire(Status.UNAVAILABLE, new RegExp(`^127\\.0\\.0\\.1:${port} unreachable: .*ECONNREFUSED`)),
    );
    assert.ok(Date.now() - started < 1000);
    // The channel marks failures of the link itself, so the gateway need not read message text.
    const e = await channel.unary("/test.Backend/Echo", Buffer.from("x"), {}).catch((err: unknown) => err);
    assert.ok(e instanceof WireError && e.channelFailure === "unreachable");
    channel.close();
  });

  it("fails with UNAVAILABLE when the peer hangs up at once or never speaks HTTP/2", async () => {
    const hangUp = createTcpServer((socket) => socket.destroy());
    const sockets: import("node:net").Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    for (const s of [hangUp, silent]) await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const portOf = (s: typeof hangUp) => (s.address() as { port: number }).port;

    const a = createWireChannel(`127.0.0.1:${portOf(hangUp)}`);
    await assert.rejects(
      a.unary("/test.Backend/Echo", Buffer.from("x"), {}),
      expectWire(Status.UNAVAILABLE, /unreachable/),
    );
    a.close();

    const b = createWireChannel(`127.0.0.1:${portOf(silent)}`, { connectTimeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(
      b.unary("/test.Backend/Echo", Buffer.from("x"), {}),
      expectWire(Status.UNAVAILABLE, /unreachable: connect timeout after 200 ms/),
    );
    assert.ok(Date.now() - started < 1000);
    b.close();
    for (const socket of sockets) socket.destroy();
    for (const s of [hangUp, silent]) s.close();
  });

  it("cancels at the deadline with DEADLINE_EXCEEDED, and the backend sees the cancel", async () => {
    const channel = createWireChannel(backend.address);
    const cancelled = log.cancelled;
    const started = Date.now();
    await assert.rejects(
      channel.unary("/test.Backend/Slow", Buffer.from("5000"), {}, { deadline: Date.now() + 150 }),
      expectWire(Status.DEADLINE_EXCEEDED),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 1000, `elapsed ${elapsed}`);
    await eventually(() => log.cancelled > cancelled);
    channel.close();
  });

  it("refuses a deadline already passed without touching the network", async () => {
    const channel = createWireChannel(backend.address);
    const started = log.slowStarted;
    await assert.rejects(
      channel.unary("/test.Backend/Slow", Buffer.from("1"), {}, { deadline: Date.now() - 1 }),
      expectWire(Status.DEADLINE_EXCEEDED),
    );
    assert.equal(log.slowStarted, started);
    channel.close();
  });

  it("cancels on the abort signal with CANCELLED, and the backend sees the cancel", async () => {
    const channel = createWireChannel(backend.address);
    const cancelled = log.cancelled;
    const controller = new AbortController();
    const call = channel.unary("/test.Backend/Slow", Buffer.from("5000"), {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(call, expectWire(Status.CANCELLED));
    await eventually(() => log.cancelled > cancelled);
    const already = AbortSignal.abort();
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.from("x"), {}, { signal: already }),
      expectWire(Status.CANCELLED),
    );
    channel.close();
  });

  it("bounds in-flight calls and the queue: beyond both, RESOURCE_EXHAUSTED queue full", async () => {
    const channel = createWireChannel(backend.address, { maxInFlight: 1, maxQueued: 1 });
    const first = channel.unary("/test.Backend/Slow", Buffer.from("100"), {});
    const second = channel.unary("/test.Backend/Slow", Buffer.from("10"), {});
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.from("x"), {}),
      expectWire(Status.RESOURCE_EXHAUSTED, /queue full/),
    );
    const full = await channel.unary("/test.Backend/Echo", Buffer.from("x"), {}).catch((err: unknown) => err);
    assert.ok(full instanceof WireError && full.channelFailure === "queue-full");
    assert.deepEqual((await first).body, Buffer.from("slow"));
    assert.deepEqual((await second).body, Buffer.from("slow"));
    // Slots free up: the channel takes calls again.
    assert.deepEqual((await channel.unary("/test.Backend/Echo", Buffer.from("y"), {})).body, Buffer.from("echo:y"));
    channel.close();
  });

  it("drops a queued call that is cancelled or times out before its turn", async () => {
    const channel = createWireChannel(backend.address, { maxInFlight: 1, maxQueued: 5 });
    const started = log.slowStarted;
    const first = channel.unary("/test.Backend/Slow", Buffer.from("200"), {});
    const controller = new AbortController();
    const queued = channel.unary("/test.Backend/Slow", Buffer.from("1"), {}, { signal: controller.signal });
    const timed = channel.unary("/test.Backend/Slow", Buffer.from("1"), {}, { deadline: Date.now() + 50 });
    controller.abort();
    await assert.rejects(queued, expectWire(Status.CANCELLED));
    await assert.rejects(timed, expectWire(Status.DEADLINE_EXCEEDED));
    await first;
    assert.equal(log.slowStarted, started + 1);
    channel.close();
  });

  it("refuses an oversized response and an oversized request with RESOURCE_EXHAUSTED", async () => {
    const channel = createWireChannel(backend.address, { maxMessageBytes: 1000 });
    await assert.rejects(
      channel.unary("/test.Backend/Big", Buffer.from("x"), {}),
      (e: unknown) => e instanceof WireError && e.code === Status.RESOURCE_EXHAUSTED && e.channelFailure === undefined,
    );
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.alloc(1001), {}),
      expectWire(Status.RESOURCE_EXHAUSTED),
    );
    assert.deepEqual((await channel.unary("/test.Backend/Echo", Buffer.from("ok"), {})).body, Buffer.from("echo:ok"));
    channel.close();
  });

  it("reconnects when the backend restarts on the same port", async () => {
    const local: BackendLog = { cancelled: 0, lastMetadata: undefined, slowStarted: 0 };
    const first = await startGrpcServer([[service, implementation(local)]]);
    const channel = createWireChannel(first.address);
    assert.deepEqual((await channel.unary("/test.Backend/Echo", Buffer.from("1"), {})).body, Buffer.from("echo:1"));
    await first.stop();
    await assert.rejects(channel.unary("/test.Backend/Echo", Buffer.from("2"), {}), expectWire(Status.UNAVAILABLE));
    const second = await startGrpcServer([[service, implementation(local)]], first.port);
    assert.deepEqual((await channel.unary("/test.Backend/Echo", Buffer.from("3"), {})).body, Buffer.from("echo:3"));
    channel.close();
    await second.stop();
  });

  it("refuses an address that is not host:port at construction", () => {
    for (const bad of ["localhost", "http://127.0.0.1:1", "127.0.0.1:port", "a:1/b", ""]) {
      assert.throws(() => createWireChannel(bad), TypeError, bad);
    }
    createWireChannel("[::1]:50051").close();
    createWireChannel("backend.example:80").close();
  });

  it("fails calls after close() with UNAVAILABLE", async () => {
    const channel = createWireChannel(backend.address);
    channel.close();
    await assert.rejects(
      channel.unary("/test.Backend/Echo", Buffer.from("x"), {}),
      expectWire(Status.UNAVAILABLE, /channel closed/),
    );
  });
});

describe("wire channel against the wire server", () => {
  it("round-trips bytes, metadata, trailers and errors", async () => {
    const server = createWireServer({
      resolve: (path) =>
        path === "/t.S/Ok"
          ? {
              kind: "unary",
              handler: async (call) => ({ body: call.body, trailers: { "x-m": call.metadata["x-m"] ?? "" } }),
            }
          : undefined,
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const channel = createWireChannel(`127.0.0.1:${port}`);
    const r = await channel.unary("/t.S/Ok", Buffer.from("abc"), { "x-m": "v" });
    assert.deepEqual(r.body, Buffer.from("abc"));
    assert.equal(r.trailers["x-m"], "v");
    await assert.rejects(
      channel.unary("/t.S/Nope", Buffer.from("x"), {}),
      expectWire(Status.UNIMPLEMENTED, /unknown method/),
    );
    channel.close();
    await server.close();
  });

  it("maps a non-gRPC HTTP answer by the spec's HTTP status table", async () => {
    const { createServer } = await import("node:http2");
    const plain = createServer((_req, res) => {
      res.statusCode = 503;
      res.end("busy");
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const { port } = plain.address() as { port: number };
    const channel = createWireChannel(`127.0.0.1:${port}`);
    await assert.rejects(
      channel.unary("/t.S/Ok", Buffer.from("x"), {}),
      expectWire(Status.UNAVAILABLE, /HTTP status 503/),
    );
    channel.close();
    await new Promise((resolve) => plain.close(resolve));
  });
});

describe("wire channel and server over TLS", () => {
  it("speaks h2 over TLS to each other and to grpc-js, and refuses an untrusted server", async () => {
    const { key, cert } = selfSignedCert();
    const server = createWireServer({
      tls: { key, cert },
      resolve: () => ({
        kind: "unary",
        handler: async (call) => ({ body: Buffer.concat([Buffer.from("tls:"), call.body]) }),
      }),
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const channel = createWireChannel(`127.0.0.1:${port}`, { tls: { ca: cert, servername: "localhost" } });
    assert.deepEqual((await channel.unary("/t.S/Ok", Buffer.from("a"), {})).body, Buffer.from("tls:a"));
    channel.close();

    const client = new Client(`localhost:${port}`, credentials.createSsl(cert));
    const r = await rawUnary(client, "/t.S/Ok", Buffer.from("b"));
    client.close();
    assert.deepEqual(r.body, Buffer.from("tls:b"));

    const untrusted = createWireChannel(`127.0.0.1:${port}`, { tls: { servername: "localhost" } });
    await assert.rejects(
      untrusted.unary("/t.S/Ok", Buffer.from("c"), {}),
      expectWire(Status.UNAVAILABLE, /unreachable: .*certificate/),
    );
    untrusted.close();
    await server.close(100);
  });
});

describe("wire channel and process lifetime", () => {
  it("does not keep an idle process alive", async () => {
    const server = createWireServer({ resolve: () => ({ kind: "unary", handler: async (c) => ({ body: c.body }) }) });
    const { port } = await server.listen("127.0.0.1", 0);
    const channelModule = fileURLToPath(new URL("./wire-channel.ts", import.meta.url));
    const script = `
      const { createWireChannel } = await import(${JSON.stringify(channelModule)});
      const channel = createWireChannel("127.0.0.1:${port}");
      const r = await channel.unary("/t.S/Ok", Buffer.from("ping"), {});
      console.log(r.body.toString());
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 10_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    await server.close(100);
    assert.equal(out.trim(), "ping");
    assert.equal(code, 0, "the child exited by itself once the call was done");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
