// Benchmark child: the load generator. Unary gRPC straight on node:http2 (not grpc-js, so the
// generator is not the bottleneck), `concurrency` streams in flight over `connections` HTTP/2
// connections, closed loop, for warm-up + measured seconds. Every call gets its own timestamp,
// nonce, MAC and SM4 encryption from the session (signRequest), in both modes (the baseline
// forwarder gets the request in clear, the gateway the ciphertext); in hutong mode every response's
// trailer MAC is verified and the response decrypted (openResponse). Every response must be status
// OK and, in clear, byte-identical to the first one, which is decoded and checked; in hutong mode,
// a call with a wrong MAC and one the ACL denies must be refused before the load starts. Prints
// one LoadResult JSON line.
import {
  type ClientHttp2Session,
  connect,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type OutgoingHttpHeaders,
} from "node:http2";
import { performance } from "node:perf_hooks";
import { Purpose } from "@hutong/proto";
import { metadataKeys } from "@hutong/session";
import { frameHeaderBytes, frameMessage } from "@hutong/wire";
import type { LoadGeneratorArgs, LoadResult } from "./bench-protocol.js";
import { benchPath, benchRequestBody, checkBenchResponse } from "./bench-request.js";
import { establishSession, loadClientCredentials } from "./bench-session.js";
import { childArgs, exitWithParent, reportToParent, runChild } from "./child-runtime.js";
import { createSampleBuffer, percentile } from "./latency-stats.js";

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function open(address: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    session.once("connect", () => {
      session.off("error", reject);
      resolve(session);
    });
    session.once("error", reject);
  });
}

/** The single message of a unary gRPC response body, or a reason it is not one. */
function unframe(chunks: readonly Buffer[]): Buffer | string {
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  if (body.length < frameHeaderBytes) return `response body of ${body.length} bytes`;
  if (body[0] !== 0) return "compressed response";
  const size = body.readUInt32BE(1);
  if (body.length !== frameHeaderBytes + size) return `response framing says ${size} bytes, got ${body.length - 5}`;
  return body.subarray(frameHeaderBytes);
}

/** Sends one call and throws unless it ends with grpc-status `want`. */
function expectStatus(
  conn: ClientHttp2Session,
  body: Buffer,
  metadata: Readonly<Record<string, string>>,
  want: string,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = conn.request({
      ":method": "POST",
      ":path": benchPath,
      "content-type": "application/grpc",
      te: "trailers",
      ...metadata,
    });
    let status: string | undefined;
    const take = (h: IncomingHttpHeaders) => {
      const s = h["grpc-status"];
      if (typeof s === "string") status = s;
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", () => {});
    stream.on("error", reject);
    stream.on("close", () =>
      status === want ? resolve() : reject(new Error(`${what} got grpc-status ${status}, expected ${want}`)),
    );
    stream.end(frameMessage(body));
  });
}

runChild(async () => {
  const args = childArgs<LoadGeneratorArgs>();
  exitWithParent();
  const creds = await loadClientCredentials(args.identity);
  const session = await establishSession(args.gateway, args.gatewayParty, creds, args.protection);
  const body = benchRequestBody();
  const framedPlain = frameMessage(body);
  const checkMac = args.mode === "hutong";

  const connections = await Promise.all(Array.from({ length: args.connections }, () => open(args.target)));
  let expected: Buffer | undefined;
  let errors = 0;
  let firstError: string | undefined;
  let total = 0;
  const latencies = createSampleBuffer();
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };

  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let inFlight = 0;
  let drained: () => void = () => {};

  /** One call; `next` runs when it has ended (the closed loop). */
  function call(conn: ClientHttp2Session, next: (response: Buffer | undefined) => void): void {
    const signed = session.signRequest(benchPath, body, Date.now());
    const framed = checkMac
      ? frameMessage(Buffer.from(signed.body.buffer, signed.body.byteOffset, signed.body.byteLength))
      : framedPlain;
    const headers: OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": benchPath,
      "content-type": "application/grpc",
      te: "trailers",
      ...signed.metadata,
    };
    const started = performance.now();
    const stream = conn.request(headers);
    const chunks: Buffer[] = [];
    let head: (IncomingHttpHeaders & IncomingHttpStatusHeader) | undefined;
    let tail: IncomingHttpHeaders | undefined;
    let streamError: Error | undefined;
    stream.on("response", (h) => {
      head = h;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("trailers", (t) => {
      tail = t;
    });
    stream.on("error", (e) => {
      streamError = e;
    });
    stream.on("close", () => {
      const ended = performance.now();
      total++;
      // A trailers-only response carries the status in the headers.
      const status = tail ?? head;
      let response: Buffer | undefined;
      if (streamError !== undefined) fail(`stream error: ${streamError.message}`);
      else if (head?.[":status"] !== 200) fail(`HTTP status ${head?.[":status"]}`);
      else if (status?.["grpc-status"] !== "0") {
        fail(`grpc-status ${status?.["grpc-status"]}: ${status?.["grpc-message"] ?? ""}`);
      } else {
        const wire = unframe(chunks);
        if (typeof wire === "string") fail(wire);
        else {
          try {
            let message = wire;
            if (checkMac) {
              const mac = status[metadataKeys.mac];
              const opened = session.openResponse(
                benchPath,
                signed.nonce,
                wire,
                typeof mac === "string" ? mac : undefined,
              );
              message = Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
            }
            if (expected !== undefined && !message.equals(expected)) fail("response differs from the first one");
            else {
              response = message;
              if (ended >= windowStart && ended <= windowEnd) latencies.push(ended - started);
            }
          } catch (e) {
            fail(e instanceof Error ? e.message : String(e));
          }
        }
      }
      next(response);
    });
    stream.end(framed);
  }

  // One call first: its answer must be the backend's real verdict, and is what every later answer must equal.
  const first = connections[0];
  if (first === undefined) throw new Error("no connections");
  expected = await new Promise<Buffer | undefined>((resolve) => call(first, resolve));
  if (expected === undefined) throw new Error(`the first call failed: ${firstError}`);
  checkBenchResponse(expected);
  if (args.mode === "hutong") {
    // The gateway under test refuses what it must: a call with a tampered MAC, and a
    // correctly signed call for a purpose its ACL does not allow.
    const signed = session.signRequest(benchPath, body, Date.now());
    const mac = signed.metadata[metadataKeys.mac] ?? "";
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("0") ? "1" : "0"}`;
    await expectStatus(
      first,
      Buffer.from(signed.body),
      { ...signed.metadata, [metadataKeys.mac]: flipped },
      "16",
      "a wrong MAC",
    );
    const denied = session.signRequest(benchPath, benchRequestBody(Purpose.PURPOSE_TICKET_SERVICE), Date.now());
    await expectStatus(first, Buffer.from(denied.body), denied.metadata, "7", "an ACL-denied purpose");
  }

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  windowStart = t0 + args.warmupSeconds * 1000;
  windowEnd = windowStart + args.seconds * 1000;
  const done = new Promise<void>((resolve) => {
    drained = resolve;
  });
  const loop = (conn: ClientHttp2Session) => {
    if (performance.now() >= windowEnd) {
      if (--inFlight === 0) drained();
      return;
    }
    call(conn, () => loop(conn));
  };
  for (let i = 0; i < args.concurrency; i++) {
    inFlight++;
    loop(connections[i % connections.length] as ClientHttp2Session);
  }
  await done;
  const cpu = process.cpuUsage(cpu0);
  for (const c of connections) c.close();

  const sorted = latencies.sorted();
  const result: LoadResult = {
    mode: args.mode,
    requests: sorted.length,
    seconds: args.seconds,
    rps: Math.round((sorted.length / args.seconds) * 10) / 10,
    p50Ms: round3(percentile(sorted, 50)),
    p99Ms: round3(percentile(sorted, 99)),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    totalRequests: total,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
  await reportToParent(result);
  process.exit(0);
});
