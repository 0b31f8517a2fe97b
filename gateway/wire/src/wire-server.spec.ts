// The wire server against real grpc-js clients (raw bytes and a generated ts-proto client) and against
// hand-made HTTP/2 requests that break the protocol in every way a peer could.
import assert from "node:assert/strict";
import { connect, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import { after, before, describe, it } from "node:test";
import { Client, credentials, Metadata as GrpcMetadata, status as grpcStatus } from "@grpc/grpc-js";
import { GetTicketRequest, GetTicketResponse, TicketServiceClient } from "@hutong/proto";
import { Status } from "./grpc-status.js";
import { frameMessage } from "./message-framing.js";
import { eventually, grpcClient, rawUnary } from "./testing-grpc.js";
import { WireError } from "./wire-error.js";
import { type CallEndInfo, createWireServer, type Route, type StreamCall, type UnaryCall } from "./wire-server.js";

const echo = "/test.Wire/Echo";

interface Recorder {
  internalErrors: unknown[];
  ended: CallEndInfo[];
  handled: string[];
  lastCall: UnaryCall | undefined;
  abortReasons: unknown[];
  /** Calls whose cancelSignal fired (checked to agree with signal). */
  cancelEvents: number;
}

function routes(rec: Recorder): Map<string, Route> {
  const unary = (handler: (call: UnaryCall) => Promise<{ body: Buffer; trailers?: Record<string, string> }>) =>
    ({
      kind: "unary",
      handler: (call: UnaryCall) => {
        rec.handled.push(call.path);
        rec.lastCall = call;
        return handler(call);
      },
    }) as const;
  const waitForAbort = (call: UnaryCall) =>
    new Promise<never>((_, reject) => {
      assert.equal(call.cancelSignal.aborted, false);
      call.cancelSignal.addEventListener("abort", {
        handleEvent: () => {
          assert.equal(call.cancelSignal.aborted, true);
          rec.cancelEvents++;
        },
      });
      const removed = { handleEvent: () => assert.fail("a removed cancel listener ran") };
      call.cancelSignal.addEventListener("abort", removed);
      call.cancelSignal.removeEventListener("abort", removed);
      call.signal.addEventListener("abort", () => {
        rec.abortReasons.push(call.signal.reason);
        reject(call.signal.reason);
      });
    });
  return new Map<string, Route>([
    [
      echo,
      unary(async (call) => ({
        body: Buffer.from([...call.body].reverse()),
        trailers: { "x-echo-peer": call.peer, "x-seen": call.metadata["x-custom"] ?? "none" },
      })),
    ],
    [
      "/test.Wire/Fail",
      unary(async () => {
        throw new WireError(Status.PERMISSION_DENIED, "denied: 100% 拒绝", { trailers: { "x-reason": "acl" } });
      }),
    ],
    [
      "/test.Wire/Crash",
      unary(async () => {
        throw new Error("secret database password is hunter2");
      }),
    ],
    ["/test.Wire/Hang", unary(waitForAbort)],
    [
      "/test.Wire/BadTrailer",
      unary(async () => {
        throw new WireError(Status.NOT_FOUND, "x", { trailers: { "x bad": "1" } });
      }),
    ],
    ["/test.Wire/BadOkTrailer", unary(async () => ({ body: Buffer.from("x"), trailers: { "x bad": "1" } }))],
    ["/test.Wire/BadReply", unary(async () => ({ body: "not a buffer" }) as unknown as { body: Buffer })],
    [
      "/hutong.v1.TicketService/GetTicket",
      unary(async (call) => {
        const req = GetTicketRequest.decode(call.body);
        const res = GetTicketResponse.encode(
          GetTicketResponse.fromPartial({ ticket: { ticketNo: req.ticketNo, scheduleNo: "S1" } }),
        ).finish();
        return { body: Buffer.from(res) };
      }),
    ],
    [
      "/test.Wire/Chat",
      {
        kind: "stream",
        handler: async (call: StreamCall) => {
          let n = 0;
          for await (const m of call.messages) {
            n++;
            call.send(Buffer.concat([Buffer.from("re:"), m]));
          }
          return { trailers: { "x-count": String(n) } };
        },
      },
    ],
  ]);
}

interface RawResponse {
  headers: IncomingHttpHeaders | undefined;
  trailers: IncomingHttpHeaders | undefined;
  data: Buffer;
  rstCode: number | undefined;
}

/** One hand-made HTTP/2 request; the body chunks are written as given. */
function rawRequest(
  port: number,
  headers: OutgoingHttpHeaders,
  chunks: Buffer[],
  options: { end?: boolean; reset?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", "content-type": "application/grpc", te: "trailers", ...headers });
    const out: RawResponse = { headers: undefined, trailers: undefined, data: Buffer.alloc(0), rstCode: undefined };
    req.on("response", (h) => {
      out.headers = h;
    });
    req.on("trailers", (t) => {
      out.trailers = t;
    });
    req.on("data", (d: Buffer) => {
      out.data = Buffer.concat([out.data, d]);
    });
    req.on("error", () => {});
    req.on("close", () => {
      out.rstCode = req.rstCode;
      session.close();
      resolve(out);
    });
    for (const c of chunks) req.write(c);
    if (options.reset) setTimeout(() => req.close(constants.NGHTTP2_CANCEL), 30);
    else if (options.end !== false) req.end();
  });
}

const statusOf = (r: RawResponse) => (r.trailers ?? r.headers)?.["grpc-status"];

describe("wire server", () => {
  const rec: Recorder = {
    internalErrors: [],
    ended: [],
    handled: [],
    lastCall: undefined,
    abortReasons: [],
    cancelEvents: 0,
  };
  const table = routes(rec);
  const server = createWireServer({
    resolve: (path) => table.get(path),
    maxMessageBytes: 1024,
    onCallEnd: (info) => rec.ended.push(info),
    onInternalError: (e) => rec.internalErrors.push(e),
  });
  let port = 0;
  let address = "";

  before(async () => {
    const bound = await server.listen("127.0.0.1", 0);
    port = bound.port;
    address = `127.0.0.1:${port}`;
    assert.equal(bound.host, "127.0.0.1");
    assert.ok(port > 0);
  });
  after(async () => {
    await server.close(100);
  });

  it("serves a unary call from grpc-js: body, metadata in, trailers out", async () => {
    const client = grpcClient(address);
    const r = await rawUnary(client, echo, Buffer.from([1, 2, 3]), { "x-custom": "hello" });
    client.close();
    assert.equal(r.error, null);
    assert.deepEqual(r.body, Buffer.from([3, 2, 1]));
    assert.equal(r.status.code, grpcStatus.OK);
    assert.deepEqual(r.status.metadata.get("x-seen"), ["hello"]);
    assert.match(String(r.status.metadata.get("x-echo-peer")[0]), /^127\.0\.0\.1:\d+$/);
    const md = rec.lastCall?.metadata ?? {};
    assert.equal(md["x-custom"], "hello");
    for (const reserved of ["content-type", "te", "user-agent", ":path", "grpc-accept-encoding"]) {
      assert.equal(md[reserved], undefined, reserved);
    }
  });

  it("serves a generated ts-proto client", async () => {
    const client = new TicketServiceClient(address, credentials.createInsecure());
    const res = await new Promise<GetTicketResponse>((resolve, reject) =>
      client.getTicket({ ticketNo: "T-42", annotate: false }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    client.close();
    assert.equal(res.ticket?.ticketNo, "T-42");
    assert.equal(res.ticket?.scheduleNo, "S1");
  });

  it("sends a thrown WireError's status, percent-encoded message and trailers", async () => {
    const client = grpcClient(address);
    const r = await rawUnary(client, "/test.Wire/Fail", Buffer.from("x"));
    client.close();
    assert.equal(r.status.code, grpcStatus.PERMISSION_DENIED);
    assert.equal(r.status.details, "denied: 100% 拒绝");
    assert.deepEqual(r.status.metadata.get("x-reason"), ["acl"]);
  });

  it("turns any other thrown error into INTERNAL without leaking it, and reports it", async () => {
    const before = rec.internalErrors.length;
    const client = grpcClient(address);
    const r = await rawUnary(client, "/test.Wire/Crash", Buffer.from("x"));
    const bad = await rawUnary(client, "/test.Wire/BadReply", Buffer.from("x"));
    client.close();
    assert.equal(r.status.code, grpcStatus.INTERNAL);
    assert.equal(r.status.details, "internal error");
    assert.doesNotMatch(JSON.stringify(r.status.metadata.getMap()), /hunter2/);
    assert.equal(bad.status.code, grpcStatus.INTERNAL);
    assert.equal(rec.internalErrors.length, before + 2);
    assert.match(String(rec.internalErrors[before]), /hunter2/);
  });

  it("answers INTERNAL when a handler's trailers cannot be sent, and reports it", async () => {
    const before = rec.internalErrors.length;
    const client = grpcClient(address);
    const r = await rawUnary(client, "/test.Wire/BadTrailer", Buffer.from("x"));
    const ok = await rawUnary(client, "/test.Wire/BadOkTrailer", Buffer.from("x"));
    client.close();
    assert.equal(r.status.code, grpcStatus.INTERNAL);
    assert.equal(r.status.details, "internal error");
    assert.equal(ok.status.code, grpcStatus.INTERNAL);
    assert.equal(rec.internalErrors.length, before + 2);
  });

  it("takes a deadline beyond the timer range as no deadline", async () => {
    const r = await rawRequest(port, { ":path": echo, "grpc-timeout": "99999999H" }, [frameMessage(Buffer.from("ab"))]);
    assert.equal(statusOf(r), "0");
    assert.ok((rec.lastCall?.deadline ?? 0) > Date.now() + 1e14);
  });

  it("refuses a grpc-js client that compresses (grpc-encoding gzip) with UNIMPLEMENTED, before the handler", async () => {
    // docs/session-protocol.md §6: messages travel uncompressed, as the MACs cover the exact bytes.
    const client = new Client(address, credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
    const handled = rec.handled.length;
    const r = await rawUnary(client, echo, Buffer.alloc(200, 7));
    assert.equal(r.status.code, grpcStatus.UNIMPLEMENTED);
    assert.equal(r.status.details, "unsupported grpc-encoding gzip");
    assert.equal(rec.handled.length, handled, "the handler never saw the call");
    client.close();
    // The same client with compression off is served.
    const plain = grpcClient(address);
    assert.equal((await rawUnary(plain, echo, Buffer.alloc(200, 7))).status.code, grpcStatus.OK);
    plain.close();
  });

  it("answers an unknown method with UNIMPLEMENTED", async () => {
    const client = grpcClient(address);
    const r = await rawUnary(client, "/test.Wire/Nope", Buffer.from("x"));
    client.close();
    assert.equal(r.status.code, grpcStatus.UNIMPLEMENTED);
    assert.equal(r.status.details, "unknown method /test.Wire/Nope");
    assert.ok(rec.ended.some((e) => e.path === "/test.Wire/Nope" && e.code === Status.UNIMPLEMENTED));
  });

  it("refuses an oversized request with RESOURCE_EXHAUSTED before the handler, then keeps serving", async () => {
    const handled = rec.handled.length;
    const client = grpcClient(address);
    const r = await rawUnary(client, echo, Buffer.alloc(5000, 1));
    assert.equal(r.status.code, grpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(rec.handled.length, handled);
    const ok = await rawUnary(client, echo, Buffer.alloc(1024, 2));
    client.close();
    assert.equal(ok.status.code, grpcStatus.OK);
    assert.equal(ok.body?.length, 1024);
  });

  it("answers DEADLINE_EXCEEDED at the client's deadline and aborts the handler's signal", async () => {
    const aborted = rec.abortReasons.length;
    const client = grpcClient(address);
    const started = Date.now();
    const r = await rawUnary(client, "/test.Wire/Hang", Buffer.from("x"), {}, { deadline: Date.now() + 150 });
    client.close();
    assert.equal(r.status.code, grpcStatus.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 2000);
    assert.ok(rec.lastCall?.deadline !== undefined && rec.lastCall.deadline >= started + 100);
    await eventually(() => rec.abortReasons.length > aborted);
    const reason = rec.abortReasons.at(-1);
    assert.ok(reason instanceof WireError);
    // Either side may notice first: our timer (DEADLINE_EXCEEDED) or the client's RST_STREAM (CANCELLED).
    assert.ok(reason.code === Status.DEADLINE_EXCEEDED || reason.code === Status.CANCELLED);
  });

  it("answers DEADLINE_EXCEEDED by itself when only the server watches the clock", async () => {
    const r = await rawRequest(port, { ":path": "/test.Wire/Hang", "grpc-timeout": "60m" }, [
      frameMessage(Buffer.from("x")),
    ]);
    assert.equal(statusOf(r), String(Status.DEADLINE_EXCEEDED));
    const reason = rec.abortReasons.at(-1);
    assert.ok(reason instanceof WireError && reason.code === Status.DEADLINE_EXCEEDED);
  });

  it("aborts the handler's signal when the client cancels", async () => {
    const aborted = rec.abortReasons.length;
    const cancelled = rec.cancelEvents;
    const client = grpcClient(address);
    const r = await rawUnary(client, "/test.Wire/Hang", Buffer.from("x"), {}, {}, (call) => {
      setTimeout(() => call.cancel(), 50);
    });
    client.close();
    assert.equal(r.status.code, grpcStatus.CANCELLED);
    await eventually(() => rec.abortReasons.length > aborted);
    const reason = rec.abortReasons.at(-1);
    assert.ok(reason instanceof WireError && reason.code === Status.CANCELLED);
    assert.equal(rec.cancelEvents, cancelled + 1, "the cancelSignal fired once too");
    await eventually(() => server.activeCalls === 0);
  });

  it("streams both ways with backpressure-safe send and trailers", async () => {
    const client = grpcClient(address);
    const call = client.makeBidiStreamRequest(
      "/test.Wire/Chat",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
    );
    const got: string[] = [];
    const status = new Promise<{ code: number; metadata: GrpcMetadata }>((resolve) => call.on("status", resolve));
    call.on("data", (d: Buffer) => got.push(d.toString()));
    call.write(Buffer.from("a"));
    call.write(Buffer.from("b"));
    call.end();
    const s = await status;
    client.close();
    assert.deepEqual(got, ["re:a", "re:b"]);
    assert.equal(s.code, grpcStatus.OK);
    assert.deepEqual(s.metadata.get("x-count"), ["2"]);
  });

  describe("malformed requests never crash it", () => {
    const message = frameMessage(Buffer.from("hello"));

    it("415 for a non-gRPC content type, 405 for GET", async () => {
      const text = await rawRequest(port, { ":path": echo, "content-type": "text/plain" }, [message]);
      assert.equal(text.headers?.[":status"], 415);
      const web = await rawRequest(port, { ":path": echo, "content-type": "application/grpc-web" }, [message]);
      assert.equal(web.headers?.[":status"], 415);
      const get = await rawRequest(port, { ":path": echo, ":method": "GET" }, [], { end: true });
      assert.equal(get.headers?.[":status"], 405);
    });

    it("INTERNAL for a compressed flag or a bad flag", async () => {
      const compressed = Buffer.from(message);
      compressed[0] = 1;
      assert.equal(statusOf(await rawRequest(port, { ":path": echo }, [compressed])), String(Status.INTERNAL));
      const bad = Buffer.from(message);
      bad[0] = 7;
      assert.equal(statusOf(await rawRequest(port, { ":path": echo }, [bad])), String(Status.INTERNAL));
    });

    it("INTERNAL for a truncated message, UNIMPLEMENTED for zero or two messages", async () => {
      const truncated = await rawRequest(port, { ":path": echo }, [message.subarray(0, 7)]);
      assert.equal(statusOf(truncated), String(Status.INTERNAL));
      const headerOnly = await rawRequest(port, { ":path": echo }, [message.subarray(0, 3)]);
      assert.equal(statusOf(headerOnly), String(Status.INTERNAL));
      const none = await rawRequest(port, { ":path": echo }, []);
      assert.equal(statusOf(none), String(Status.UNIMPLEMENTED));
      const two = await rawRequest(port, { ":path": echo }, [Buffer.concat([message, message])]);
      assert.equal(statusOf(two), String(Status.UNIMPLEMENTED));
    });

    it("reassembles a message split across many DATA frames", async () => {
      const big = frameMessage(Buffer.alloc(1000, 9));
      const chunks = [big.subarray(0, 2), big.subarray(2, 4), big.subarray(4, 600), big.subarray(600)];
      const r = await rawRequest(port, { ":path": echo }, chunks);
      assert.equal(statusOf(r), "0");
      assert.equal(r.data.length, 1005);
      assert.equal(r.data.readUInt32BE(1), 1000);
    });

    it("UNIMPLEMENTED for grpc-encoding it does not speak, INTERNAL for a malformed grpc-timeout", async () => {
      const gz = await rawRequest(port, { ":path": echo, "grpc-encoding": "gzip" }, [message]);
      assert.equal(statusOf(gz), String(Status.UNIMPLEMENTED));
      assert.equal(gz.headers?.["grpc-accept-encoding"], "identity");
      for (const timeout of ["1x", "123456789m", "m", "-1S"]) {
        const r = await rawRequest(port, { ":path": echo, "grpc-timeout": timeout }, [message]);
        assert.equal(statusOf(r), String(Status.INTERNAL), timeout);
      }
    });

    it("survives a reset mid-message and a connection dropped mid-call", async () => {
      const reset = await rawRequest(port, { ":path": echo }, [message.subarray(0, 7)], { reset: true });
      assert.equal(reset.rstCode, constants.NGHTTP2_CANCEL);
      await new Promise<void>((resolve) => {
        const session = connect(`http://127.0.0.1:${port}`);
        session.on("error", () => {});
        const req = session.request({
          ":method": "POST",
          ":path": "/test.Wire/Hang",
          "content-type": "application/grpc",
        });
        req.on("error", () => {});
        req.end(message);
        setTimeout(() => {
          session.destroy();
          resolve();
        }, 50);
      });
      await eventually(() => server.activeCalls === 0);
      const client = grpcClient(address);
      const ok = await rawUnary(client, echo, Buffer.from("still"));
      client.close();
      assert.equal(ok.status.code, grpcStatus.OK);
    });
  });

  it("reports every call's end with its code and duration", () => {
    const codes = new Set(rec.ended.map((e) => e.code));
    for (const code of [Status.OK, Status.PERMISSION_DENIED, Status.INTERNAL, Status.UNIMPLEMENTED]) {
      assert.ok(codes.has(code), `saw ${code}`);
    }
    assert.ok(rec.ended.every((e) => e.durationMs >= 0 && /^127\.0\.0\.1:\d+$/.test(e.peer)));
  });
});

describe("wire server shutdown", () => {
  it("lets an in-flight call finish within the grace period, then stops", async () => {
    let release: () => void = () => {};
    const server = createWireServer({
      resolve: () => ({
        kind: "unary",
        handler: () =>
          new Promise((resolve) => {
            release = () => resolve({ body: Buffer.from("late") });
          }),
      }),
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const client = grpcClient(`127.0.0.1:${port}`);
    const pending = rawUnary(client, "/x.Y/Z", Buffer.from("a"));
    await eventually(() => server.activeCalls === 1);
    const closed = server.close(5000);
    setTimeout(() => release(), 50);
    const r = await pending;
    await closed;
    client.close();
    assert.equal(r.status.code, grpcStatus.OK);
    assert.deepEqual(r.body, Buffer.from("late"));
    assert.equal(server.activeCalls, 0);
  });

  it("destroys calls still running after the grace period and aborts their signals", async () => {
    let signal: AbortSignal | undefined;
    const server = createWireServer({
      resolve: () => ({
        kind: "unary",
        handler: (call) => {
          signal = call.signal;
          return new Promise(() => {});
        },
      }),
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const client = grpcClient(`127.0.0.1:${port}`);
    const pending = rawUnary(client, "/x.Y/Z", Buffer.from("a"));
    await eventually(() => server.activeCalls === 1);
    const started = Date.now();
    await server.close(100);
    const r = await pending;
    client.close();
    assert.ok(Date.now() - started < 2000);
    assert.notEqual(r.status.code, grpcStatus.OK);
    assert.equal(signal?.aborted, true);
    assert.equal(server.activeCalls, 0);
  });

  it("rejects listen on a port in use", async () => {
    const a = createWireServer({ resolve: () => undefined });
    const { port } = await a.listen("127.0.0.1", 0);
    const b = createWireServer({ resolve: () => undefined });
    await assert.rejects(b.listen("127.0.0.1", port), /EADDRINUSE/);
    await a.close();
  });
});

describe("wire server streaming calls", () => {
  const seen: { errors: unknown[]; received: number } = { errors: [], received: 0 };
  const table = new Map<string, Route>([
    [
      "/s.S/SlowReader",
      {
        kind: "stream",
        handler: async (call) => {
          for await (const m of call.messages) {
            await new Promise((r) => setTimeout(r, 1));
            call.send(m);
          }
        },
      },
    ],
    [
      "/s.S/Waiter",
      {
        kind: "stream",
        handler: async (call) => {
          try {
            for await (const _ of call.messages) seen.received++;
            // Half-closed: keep the call open until it is cancelled.
            await new Promise((_, reject) => call.signal.addEventListener("abort", () => reject(call.signal.reason)));
          } catch (error) {
            seen.errors.push(error);
            throw error;
          }
        },
      },
    ],
    [
      "/s.S/Paced",
      {
        kind: "stream",
        // The same 64 MiB as Flood, but waiting for ready() after each message.
        handler: async (call) => {
          const chunk = Buffer.alloc(64 * 1024, 2);
          for (let i = 0; i < 1000; i++) {
            call.send(chunk);
            await call.ready();
          }
        },
      },
    ],
    [
      "/s.S/Flood",
      {
        kind: "stream",
        handler: async (call) => {
          const chunk = Buffer.alloc(64 * 1024, 1);
          try {
            for (let i = 0; i < 1000; i++) {
              call.send(chunk);
              await new Promise((r) => setImmediate(r));
            }
          } catch (error) {
            seen.errors.push(error);
            throw error;
          }
        },
      },
    ],
    [
      "/s.S/Ticker",
      {
        kind: "stream",
        handler: async (call) => {
          call.send(Buffer.from("tick"));
          await new Promise((_, reject) => call.signal.addEventListener("abort", () => reject(call.signal.reason)));
        },
      },
    ],
  ]);
  const server = createWireServer({ resolve: (path) => table.get(path) });
  let port = 0;
  before(async () => {
    port = (await server.listen("127.0.0.1", 0)).port;
  });
  after(async () => {
    await server.close(100);
  });

  it("delivers every request message in order to a slow reader (pausing the peer, not buffering)", async () => {
    const client = grpcClient(`127.0.0.1:${port}`);
    const call = client.makeBidiStreamRequest(
      "/s.S/SlowReader",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
    );
    const got: number[] = [];
    call.on("data", (d: Buffer) => got.push(d.readUInt32BE(0)));
    const status = new Promise<{ code: number }>((resolve) => call.on("status", resolve));
    for (let i = 0; i < 100; i++) {
      const b = Buffer.alloc(1024);
      b.writeUInt32BE(i, 0);
      call.write(b);
    }
    call.end();
    assert.equal((await status).code, grpcStatus.OK);
    client.close();
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it("aborts a streaming handler's signal with CANCELLED when the client cancels", async () => {
    const before = seen.errors.length;
    const received = seen.received;
    const client = grpcClient(`127.0.0.1:${port}`);
    const call = client.makeBidiStreamRequest(
      "/s.S/Waiter",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
    );
    call.on("error", () => {});
    call.write(Buffer.from("one"));
    await eventually(() => seen.received === received + 1);
    call.cancel();
    await eventually(() => seen.errors.length > before);
    const error = seen.errors.at(-1);
    assert.ok(error instanceof WireError && error.code === Status.CANCELLED);
    await eventually(() => server.activeCalls === 0);
    client.close();
  });

  it("throws the call's end into a handler waiting for the next message (deadline, no half-close)", async () => {
    const before = seen.errors.length;
    const received = seen.received;
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", () => {});
    const req = session.request({
      ":method": "POST",
      ":path": "/s.S/Waiter",
      "content-type": "application/grpc",
      "grpc-timeout": "100m",
    });
    req.on("error", () => {});
    const trailers = new Promise<IncomingHttpHeaders>((resolve) => req.on("trailers", resolve));
    const headers = new Promise<IncomingHttpHeaders>((resolve) => req.on("response", resolve));
    req.write(frameMessage(Buffer.from("one")));
    req.resume();
    await eventually(() => seen.received === received + 1);
    const h = await headers;
    const status = h["grpc-status"] ?? (await trailers)["grpc-status"];
    session.destroy();
    assert.equal(status, String(Status.DEADLINE_EXCEEDED));
    assert.ok(seen.errors.length > before);
    const error = seen.errors.at(-1);
    assert.ok(error instanceof WireError && error.code === Status.DEADLINE_EXCEEDED);
  });

  it("resets the stream of a peer that stops reading, instead of buffering without bound", async () => {
    const before = seen.errors.length;
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", () => {});
    const req = session.request({ ":method": "POST", ":path": "/s.S/Flood", "content-type": "application/grpc" });
    req.on("error", () => {});
    req.pause(); // never read
    req.end();
    const rstCode = await new Promise<number>((resolve) => req.on("close", () => resolve(req.rstCode)));
    session.destroy();
    assert.equal(rstCode, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    const error = seen.errors.at(-1);
    assert.ok(seen.errors.length > before);
    assert.ok(error instanceof WireError && error.code === Status.RESOURCE_EXHAUSTED);
    await eventually(() => server.activeCalls === 0);
  });

  it("lets a handler that awaits ready() stream far more than the outbox limit to a slow reader", async () => {
    const client = grpcClient(`127.0.0.1:${port}`);
    const call = client.makeBidiStreamRequest(
      "/s.S/Paced",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
    );
    call.end();
    let bytes = 0;
    for await (const d of call as AsyncIterable<Buffer>) {
      bytes += d.length;
      if (bytes % (4 * 1024 * 1024) === 0) await new Promise((r) => setTimeout(r, 20)); // a slow reader
    }
    client.close();
    assert.equal(bytes, 1000 * 64 * 1024);
  });

  it("ends a stream at its deadline with DEADLINE_EXCEEDED after the messages already sent", async () => {
    const client = grpcClient(`127.0.0.1:${port}`);
    const call = client.makeBidiStreamRequest(
      "/s.S/Ticker",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new GrpcMetadata(),
      {
        deadline: Date.now() + 200,
      },
    );
    const got: string[] = [];
    call.on("data", (d: Buffer) => got.push(d.toString()));
    call.on("error", () => {});
    const status = await new Promise<{ code: number }>((resolve) => call.on("status", resolve));
    client.close();
    assert.equal(status.code, grpcStatus.DEADLINE_EXCEEDED);
    assert.deepEqual(got, ["tick"]);
  });
});
