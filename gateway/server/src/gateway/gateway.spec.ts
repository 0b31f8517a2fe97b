import assert from "node:assert/strict";
import { connect } from "node:http2";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import type { UnaryTransport } from "@hutong/client";
import {
  contractServices,
  FinishResponse,
  GatewayRole,
  HelloRequest,
  Protection,
  Purpose,
  RegistryServiceService,
  SessionServiceService,
  TicketServiceService,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import { createHandshakeServer, createTicketKeyring } from "@hutong/session";
import { createWireServer, isWireError, Status, type WireError } from "@hutong/wire";
import { grpcOutcome, grpcPost, partialFrame } from "@hutong/wire/testing";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { openDevPki } from "../dev/dev-pki.js";
import { sampleTickets } from "../dev/simulated-backends.js";
import { createSessionEndpoint } from "../endpoints/session-endpoint.js";
import { createLogger } from "../observability/logger.js";
import { createTelemetry } from "../observability/telemetry.js";
import { allowed, denied, type GatewayFixture, gw, startGatewayFixture } from "./testing-gateway.js";

const ticket = sampleTickets("510000")[0];
const verifyPath = TicketServiceService.verifyTicket.path;

function verifyRequest(target = gw, purpose = Purpose.PURPOSE_BOARDING_CHECK): Buffer {
  return Buffer.from(
    VerifyTicketRequest.encode({
      context: { targetParty: target, purpose, grantId: "", correlationId: "t-1" },
      ticketNo: ticket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: ticket?.passenger?.idNo ?? "",
      holderName: "",
      scheduleNo: "K1021",
    }).finish(),
  );
}

async function rejects(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<WireError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, `status ${e.code} (${e.message}), expected ${code}`);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return e;
  }
  assert.fail("call succeeded but should have failed");
}

/** Wraps a transport to tamper with what goes out or comes back. */
function tamper(
  t: UnaryTransport,
  o: {
    body?: (b: Buffer) => Buffer;
    metadata?: (m: Record<string, string>) => Record<string, string>;
    trailers?: (m: Record<string, string>) => Record<string, string>;
    replyBody?: (b: Buffer) => Buffer;
    onlyPath?: string;
  },
): UnaryTransport {
  return {
    async unary(path, body, metadata, options) {
      const hit = o.onlyPath === undefined || o.onlyPath === path;
      const reply = await t.unary(
        path,
        hit && o.body ? o.body(body) : body,
        hit && o.metadata ? o.metadata({ ...metadata }) : metadata,
        options,
      );
      return {
        body: hit && o.replyBody ? o.replyBody(reply.body) : reply.body,
        trailers: hit && o.trailers ? o.trailers({ ...reply.trailers }) : reply.trailers,
      };
    },
    close: () => t.close(),
  };
}

const flip = (b: Buffer) => {
  const c = Buffer.from(b);
  c[c.length - 1] = (c[c.length - 1] ?? 0) ^ 1;
  return c;
};
const flipHex = (h: string) => `${h.slice(0, -1)}${h.endsWith("0") ? "1" : "0"}`;

describe("gateway: one province gateway in front of its systems", () => {
  let f: GatewayFixture;
  before(async () => {
    f = await startGatewayFixture();
  });
  after(async () => {
    await f?.close();
  });

  async function stillServing(): Promise<void> {
    const client = await f.client(allowed);
    const r = await client.unary(TicketServiceService.verifyTicket, VerifyTicketRequest.decode(verifyRequest()));
    assert.equal(r.valid, true);
  }

  it("serves an authenticated call end to end with the SDK, the response MAC checked", async () => {
    const client = await f.client(allowed);
    const r = await client.unary(TicketServiceService.verifyTicket, VerifyTicketRequest.decode(verifyRequest()));
    assert.deepEqual([r.valid, r.holderMatches, r.scheduleMatches], [true, true, true]);
    const seen = f.backend.seen.at(-1);
    assert.equal(seen?.metadata["hutong-origin"], allowed);
    assert.equal(seen?.metadata["hutong-purpose"], "BOARDING_CHECK");
    assert.equal(seen?.metadata["hutong-hops"], gw);
    assert.equal(seen?.metadata["hutong-correlation-id"], "t-1");
    // Session keys stop at the gateway.
    assert.equal(seen?.metadata["hutong-ticket"], undefined);
    assert.equal(seen?.metadata["hutong-mac"], undefined);
  });

  it("passes the caller's trace context through when it exports no spans, and starts one when none came", async () => {
    const s = await f.session(allowed);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await s.call(verifyPath, verifyRequest(), { metadata: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const tp = f.backend.seen.at(-1)?.metadata.traceparent ?? "";
    assert.equal(tp.split("-")[1], traceId);
    // Parenting the backend on a span nobody exports would leave a dangling parent in the trace.
    assert.equal(tp.split("-")[2], "00f067aa0ba902b7", "the caller's span is the backend's parent");
    assert.equal(tp.split("-")[3], "01", "the caller's sampling decision is kept");
    await s.call(verifyPath, verifyRequest());
    const fresh = (f.backend.seen.at(-1)?.metadata.traceparent ?? "").split("-");
    assert.match(fresh[1] ?? "", /^[0-9a-f]{32}$/);
    assert.notEqual(fresh[1], traceId);
    assert.notEqual(fresh[1], "0".repeat(32));
  });

  it("with a span exporter, the gateway's own exported span is the backend's parent", async () => {
    const spans = new InMemorySpanExporter();
    const telemetry = await createTelemetry({ serviceName: "hutong-test", party: gw, spanExporter: spans });
    const other = await f.startAnother({}, { telemetry });
    try {
      const s = await f.session(allowed, { address: `127.0.0.1:${other.address.port}` });
      const traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
      await s.call(verifyPath, verifyRequest(), { metadata: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      const tp = f.backend.seen.at(-1)?.metadata.traceparent ?? "";
      const span = spans.getFinishedSpans().find((x) => x.spanContext().traceId === traceId);
      assert.ok(span, "the gateway exported a span in the caller's trace");
      assert.equal(span.parentSpanContext?.spanId, "00f067aa0ba902b7");
      assert.equal(tp.split("-")[2], span.spanContext().spanId, "the gateway's span is the backend's parent");
      assert.equal(span.attributes["hutong.route"] !== undefined, true);
    } finally {
      await other.close();
      await telemetry.shutdown();
    }
  });

  it("encrypts every message on the link: ciphertext there, plaintext at the backend and for the caller", async () => {
    const sent: Buffer[] = [];
    const received: Buffer[] = [];
    const s = await f.session(allowed, {
      wrap: (t) =>
        tamper(t, {
          onlyPath: verifyPath,
          body: (b) => {
            sent.push(b);
            return b;
          },
          replyBody: (b) => {
            received.push(b);
            return b;
          },
        }),
    });
    const request = verifyRequest();
    const reply = await s.call(verifyPath, request);
    const answer = VerifyTicketResponse.decode(reply.body);
    assert.deepEqual([answer.valid, answer.holderMatches], [true, true]);
    const [onWire] = sent;
    const [back] = received;
    assert.ok(onWire !== undefined && back !== undefined);
    // Same length (SM4-CTR), other bytes; the ID number and ticket number are nowhere on the link.
    assert.equal(onWire.length, request.length);
    assert.notDeepEqual(onWire, request);
    for (const secret of [ticket?.passenger?.idNo ?? "", ticket?.ticketNo ?? ""]) {
      assert.ok(secret.length > 0);
      assert.equal(onWire.indexOf(secret), -1);
    }
    assert.notDeepEqual(back, reply.body);
    // The backend got the request in clear (it decodes it), with the same ticket number.
    const seen = f.backend.seen.at(-1);
    assert.equal(seen?.metadata["hutong-origin"], allowed);
  });

  it("refuses a plaintext session unless the config allows it; then calls travel in clear, MACed", async () => {
    const plain = await f.session(allowed, { protection: "plaintext" });
    const e = await rejects(plain.call(verifyPath, verifyRequest()), Status.FAILED_PRECONDITION, /protection-refused/);
    assert.equal(e.trailers["hutong-error"], "protection-refused");
    const lenient = await f.startAnother({
      session: {
        ticketKeys: { current: { id: 1, secretFile: await f.pki.ticketKeyFile("gw") } },
        acceptPlaintext: ["loopback"],
      },
    });
    const sent: Buffer[] = [];
    const s = await f.session(allowed, {
      protection: "plaintext",
      address: `127.0.0.1:${lenient.address.port}`,
      wrap: (t) =>
        tamper(t, {
          onlyPath: verifyPath,
          body: (b) => {
            sent.push(b);
            return b;
          },
        }),
    });
    await s.call(verifyPath, verifyRequest());
    assert.deepEqual(sent[0], verifyRequest());
    // A body changed on the link still fails the MAC.
    const tampered = await f.session(allowed, {
      protection: "plaintext",
      address: `127.0.0.1:${lenient.address.port}`,
      wrap: (t) => tamper(t, { onlyPath: verifyPath, body: flip }),
    });
    await rejects(tampered.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
    // SM4 clients of the same gateway are still encrypted.
    const sm4 = await f.session(allowed, { address: `127.0.0.1:${lenient.address.port}` });
    await sm4.call(verifyPath, verifyRequest());
    // A party on the link rewrites an SM4 client's hello to ask for plaintext, which this gateway
    // would allow: the client sees the answer name plaintext and goes no further.
    const downgraded = await f.session(allowed, {
      address: `127.0.0.1:${lenient.address.port}`,
      wrap: (t) =>
        tamper(t, {
          onlyPath: SessionServiceService.hello.path,
          body: (b) =>
            Buffer.from(
              HelloRequest.encode({ ...HelloRequest.decode(b), protection: Protection.PROTECTION_PLAINTEXT }).finish(),
            ),
        }),
    });
    const d = await rejects(
      downgraded.call(verifyPath, verifyRequest()),
      Status.FAILED_PRECONDITION,
      /protection-refused/,
    );
    assert.equal(d.trailers["hutong-error"], "protection-refused");
  });

  it("the SDK sends a handshake message refused busy again after a pause, the finish with the same cookie", async () => {
    const strict = await f.startAnother({
      session: {
        ticketKeys: { current: { id: 1, secretFile: await f.pki.ticketKeyFile("gw") } },
        // One token per address, a new one every 500 ms: a finish right after its hello is refused.
        handshake: { perAddress: { perSecond: 2, burst: 1 }, perParty: null },
      },
    });
    const refused: string[] = [];
    const s = await f.session(allowed, {
      address: `127.0.0.1:${strict.address.port}`,
      wrap: (t) => ({
        async unary(path, body, metadata, options) {
          try {
            return await t.unary(path, body, metadata, options);
          } catch (e) {
            if (isWireError(e)) refused.push(`${path} ${e.trailers["hutong-error"]}`);
            throw e;
          }
        },
        close: () => t.close(),
      }),
    });
    await s.call(verifyPath, verifyRequest());
    assert.ok(refused.length > 0, "the gateway refused a handshake message busy");
    assert.ok(
      refused.every((r) => r.endsWith(" busy")),
      refused.join(", "),
    );
    // The hello was sent once: only the finish was refused and sent again.
    assert.ok(
      refused.every((r) => r.startsWith(SessionServiceService.finish.path)),
      refused.join(", "),
    );
  });

  it("answers health checks without a session, and refuses exchange calls without one", async () => {
    const client = new grpc.Client(f.address, grpc.credentials.createInsecure());
    const id = (b: Buffer) => b;
    const health = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest("/grpc.health.v1.Health/Check", id, id, Buffer.alloc(0), (e, v) =>
        e ? reject(e) : resolve(v as Buffer),
      ),
    );
    assert.deepEqual([...health], [0x08, 0x01], "SERVING");
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(verifyPath, id, id, verifyRequest(), (e) => resolve(e as grpc.ServiceError)),
    );
    assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    assert.equal(err.metadata.get("hutong-error")[0], "no-session");
    client.close();
    await stillServing();
  });

  it("admits every method that needs a session on its headers: no ticket, refused before its body arrives", async () => {
    // The body is declared at 4 MiB and only 64 KiB of it is sent: without admission on the
    // headers the call would wait for the rest (up to the message timeout); it is answered at once.
    const session = connect(`http://${f.address}`);
    session.on("error", () => {});
    const paths = contractServices
      .filter((s) => s.name !== "hutong.v1.SessionService")
      .flatMap((s) => s.methods.map((m) => m.path));
    assert.ok(paths.length >= 15, `${paths.length} methods`);
    const outcomes = await Promise.all(
      paths.map((path) => {
        const stream = grpcPost(session, path);
        const outcome = grpcOutcome(stream);
        stream.write(partialFrame(4 * 1024 * 1024, 64 * 1024));
        return outcome.then((o) => [path, o] as const);
      }),
    );
    session.destroy();
    for (const [path, o] of outcomes) {
      assert.deepEqual(
        o,
        { status: Status.UNAUTHENTICATED, message: "session: no-session", error: "no-session" },
        path,
      );
    }
    await stillServing();
  });

  it("refuses a tampered request body or MAC with UNAUTHENTICATED", async () => {
    const body = await f.session(allowed, { wrap: (t) => tamper(t, { onlyPath: verifyPath, body: flip }) });
    await rejects(body.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
    const mac = await f.session(allowed, {
      wrap: (t) =>
        tamper(t, { onlyPath: verifyPath, metadata: (m) => ({ ...m, "hutong-mac": flipHex(m["hutong-mac"] ?? "") }) }),
    });
    await rejects(mac.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
    await stillServing();
  });

  it("the client refuses a tampered response MAC or response body", async () => {
    const mac = await f.session(allowed, {
      wrap: (t) =>
        tamper(t, { onlyPath: verifyPath, trailers: (m) => ({ ...m, "hutong-mac": flipHex(m["hutong-mac"] ?? "") }) }),
    });
    await rejects(mac.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
    const body = await f.session(allowed, { wrap: (t) => tamper(t, { onlyPath: verifyPath, replyBody: flip }) });
    await rejects(body.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
    const none = await f.session(allowed, {
      wrap: (t) => tamper(t, { onlyPath: verifyPath, trailers: ({ "hutong-mac": _, ...rest }) => rest }),
    });
    await rejects(none.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
  });

  it("the client refuses a ServerFinish whose ticket or expiry was changed on the link (bad-mac)", async () => {
    const finishPath = SessionServiceService.finish.path;
    // A genuine ticket of another session, as a party in the middle of an h2c link could hold one.
    let otherTicket: Buffer | undefined;
    const first = await f.session(allowed, {
      wrap: (t) =>
        tamper(t, {
          onlyPath: finishPath,
          replyBody: (b) => {
            otherTicket = Buffer.from(FinishResponse.decode(b).ticket);
            return b;
          },
        }),
    });
    await first.call(verifyPath, verifyRequest());
    const rewrite = (change: (m: FinishResponse) => FinishResponse) => (b: Buffer) =>
      Buffer.from(FinishResponse.encode(change(FinishResponse.decode(b))).finish());
    for (const change of [
      (m: FinishResponse) => ({ ...m, expiresAt: m.expiresAt + 3_600_000n }),
      (m: FinishResponse) => ({ ...m, ticket: otherTicket ?? Buffer.alloc(0) }),
    ]) {
      const s = await f.session(allowed, {
        wrap: (t) => tamper(t, { onlyPath: finishPath, replyBody: rewrite(change) }),
      });
      const e = await rejects(s.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /bad-mac/);
      assert.equal(e.trailers["hutong-error"], "bad-mac");
    }
    await stillServing();
  });

  it("refuses a replayed request", async () => {
    let last: { body: Buffer; metadata: Record<string, string> } | undefined;
    let transport: UnaryTransport | undefined;
    const s = await f.session(allowed, {
      wrap: (t) => {
        transport = t;
        return tamper(t, {
          onlyPath: verifyPath,
          // The message as sent (encrypted), with its metadata: what a party on the link could capture.
          body: (b) => {
            last = { body: b, metadata: last?.metadata ?? {} };
            return b;
          },
          metadata: (m) => {
            last = { body: last?.body ?? Buffer.alloc(0), metadata: m };
            return m;
          },
        });
      },
    });
    await s.call(verifyPath, verifyRequest());
    assert.ok(last && transport);
    await rejects(transport.unary(verifyPath, last.body, last.metadata), Status.UNAUTHENTICATED, /replay/);
    await stillServing();
  });

  it("refuses a stale timestamp (client clock 2 minutes behind)", async () => {
    const s = await f.session(allowed, { now: () => Date.now() - 120_000 });
    await rejects(s.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED, /stale-timestamp/);
    await stillServing();
  });

  it("a start that fails (port in use) closes what it had opened and leaves the store usable", async () => {
    const store = { kind: "sqlite", path: `${f.dir}/failed-start.db` };
    await assert.rejects(
      f.startAnother({ store, listen: { host: "127.0.0.1", port: f.gateway.address.port } }),
      /EADDRINUSE/,
    );
    // The failed start's store worker and publisher are gone: the same store opens and serves again.
    const again = await f.startAnother({ store });
    assert.equal((await again.auditLog.head()).size, 0);
    await again.close();
  });

  it("refuses a ticket made with another gateway's ticket key", async () => {
    const other = await f.startAnother({
      session: { ticketKeys: { current: { id: 1, secretFile: await f.pki.ticketKeyFile("other-gw") } } },
    });
    const s = await f.session(allowed, { address: `127.0.0.1:${other.address.port}` });
    await s.connect();
    // Same party, same certificate, different ticket key: now send that session's calls to the first gateway.
    let ticketFromOther: string | undefined;
    const probe = await f.session(allowed, {
      address: `127.0.0.1:${other.address.port}`,
      wrap: (t) =>
        tamper(t, {
          onlyPath: verifyPath,
          metadata: (m) => {
            ticketFromOther = m["hutong-ticket"];
            return m;
          },
        }),
    });
    await probe.call(verifyPath, verifyRequest());
    const own = await f.session(allowed, {
      wrap: (t) =>
        tamper(t, { onlyPath: verifyPath, metadata: (m) => ({ ...m, "hutong-ticket": ticketFromOther ?? "" }) }),
    });
    const err = await rejects(own.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
    assert.equal(err.trailers["hutong-error"], "bad-ticket");
    await stillServing();
  });

  it("expires sessions: a stale ticket is refused, and the SDK re-handshakes transparently", async () => {
    const short = await f.startAnother({
      session: {
        ticketKeys: { current: { id: 1, secretFile: await f.pki.ticketKeyFile("gw") } },
        ticketLifetimeSeconds: 1,
      },
    });
    // By hand: one handshake, wait past expiry, and call with the old ticket.
    let hellos = 0;
    let first: { transport: UnaryTransport; metadata: Record<string, string> } | undefined;
    const s = await f.session(allowed, {
      address: `127.0.0.1:${short.address.port}`,
      wrap: (t) => ({
        unary: (path, body, md, o) => {
          if (path.endsWith("/Hello")) hellos++;
          if (path === verifyPath && first === undefined) first = { transport: t, metadata: { ...md } };
          return t.unary(path, body, md, o);
        },
        close: () => t.close(),
      }),
    });
    await s.call(verifyPath, verifyRequest());
    assert.equal(hellos, 1);
    await new Promise((r) => setTimeout(r, 1100));
    // The first call's ticket, sent again after expiry: refused as expired (checked before replay).
    assert.ok(first);
    const e = await rejects(first.transport.unary(verifyPath, verifyRequest(), first.metadata), Status.UNAUTHENTICATED);
    assert.equal(e.trailers["hutong-error"], "ticket-expired");
    await s.call(verifyPath, verifyRequest());
    assert.equal(hellos, 2, "the SDK ran a fresh handshake");
  });

  it("refuses a client certificate revoked before the session, and one revoked during it", async () => {
    const late = await f.session("prov:510000/revoked-late");
    await late.call(verifyPath, verifyRequest()).catch(() => undefined); // ACL may deny; the session is what matters
    await f.pki.revoke("prov:510000/revoked-early");
    await f.pki.revoke("prov:510000/revoked-late");
    await f.gateway.reload(f.config); // re-reads the CRLs now rather than at the next refresh
    const early = await f.session("prov:510000/revoked-early");
    const e1 = await rejects(early.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
    assert.equal(e1.trailers["hutong-error"], "revoked");
    const e2 = await rejects(late.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
    assert.equal(e2.trailers["hutong-error"], "revoked");
    await stillServing();
  });

  it("re-reads CRLs on schedule: a revocation bites within crlRefreshSeconds, no reload needed", async () => {
    const g = await f.startAnother({
      trust: { anchors: [f.pki.rootCert], crls: f.pki.crls, crlRefreshSeconds: 1 },
    });
    const s = await f.session("prov:510000/revoked-scheduled", { address: `127.0.0.1:${g.address.port}` });
    await rejects(s.call(verifyPath, verifyRequest()), Status.PERMISSION_DENIED); // authenticated, then ACL
    await f.pki.revoke("prov:510000/revoked-scheduled");
    let code: number | undefined;
    for (let i = 0; i < 40 && code !== Status.UNAUTHENTICATED; i++) {
      await new Promise((r) => setTimeout(r, 100));
      code = await s.call(verifyPath, verifyRequest()).then(
        () => Status.OK,
        (e: unknown) => (isWireError(e) ? e.code : undefined),
      );
    }
    assert.equal(code, Status.UNAUTHENTICATED, "revoked within ~1 s of the CRL being published");
  });

  it("refuses a certificate from an untrusted CA and one without clientAuth", async () => {
    const rogue = await openDevPki(`${f.dir}/rogue-pki`, [{ id: allowed, role: "system" }]);
    const s = await f.session(allowed, { pki: rogue });
    const e = await rejects(s.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
    assert.equal(e.trailers["hutong-error"], "bad-certificate");
    const eku = await f.session("prov:510000/server-only");
    const e2 = await rejects(eku.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
    assert.equal(e2.trailers["hutong-error"], "bad-certificate");
    await stillServing();
  });

  it("the client refuses a server with a valid certificate for another party", async () => {
    // A rogue server holding mot's genuine certificate that claims to be prov:510000.
    const mot = await f.credentials("mot");
    const keyring = createTicketKeyring({ current: { id: 1, secret: new Uint8Array(32).fill(3) } });
    const liar = createHandshakeServer({
      partyId: gw,
      privateKey: mot.privateKey,
      chain: mot.chain,
      trust: mot.trust,
      keyring,
    });
    const handlers = createSessionEndpoint({ server: liar, crls: () => mot.crls });
    const server = createWireServer({
      resolve: (path) => {
        const h = handlers.get(path);
        return h === undefined ? undefined : { kind: "unary", handler: h };
      },
    });
    const { port } = await server.listen("127.0.0.1", 0);
    try {
      const s = await f.session(allowed, { address: `127.0.0.1:${port}` });
      const e = await rejects(s.call(verifyPath, verifyRequest()), Status.UNAUTHENTICATED);
      assert.equal(e.trailers["hutong-error"], "wrong-party");
    } finally {
      await server.close();
    }
  });

  it("denies by default: a method the ACL does not allow is PERMISSION_DENIED", async () => {
    const s = await f.session(denied);
    await rejects(
      s.call(verifyPath, verifyRequest()),
      Status.PERMISSION_DENIED,
      /may not call hutong\.v1\.TicketService\/VerifyTicket/,
    );
    // An allowed caller, but for a purpose its rule does not list.
    const a = await f.session(allowed);
    await rejects(a.call(verifyPath, verifyRequest(gw, Purpose.PURPOSE_TICKET_SERVICE)), Status.PERMISSION_DENIED);
    await stillServing();
  });

  it("answers NOT_FOUND for a party it has no route to, UNAVAILABLE for a target that is down", async () => {
    const s = await f.session(allowed);
    await rejects(s.call(verifyPath, verifyRequest("prov:650000")), Status.NOT_FOUND, /no route to party prov:650000/);
    const e = await rejects(s.call(verifyPath, verifyRequest("prov:440000")), Status.UNAVAILABLE, /prov:440000 local/);
    assert.doesNotMatch(e.message, /127\.0\.0\.1/, "no internal address leaks to the caller");
    await stillServing();
  });

  it("propagates deadlines: DEADLINE_EXCEEDED when the backend is slower than the caller's deadline", async () => {
    const s = await f.session(allowed);
    await s.connect();
    f.backend.delayMs = 1500;
    try {
      const t0 = Date.now();
      await rejects(s.call(verifyPath, verifyRequest(), { deadline: Date.now() + 300 }), Status.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - t0 < 1200, "the caller was answered at its deadline, not when the backend finished");
    } finally {
      f.backend.delayMs = 0;
    }
    await stillServing();
  });

  it("propagates cancellation: a caller that gives up cancels the backend call", async () => {
    const s = await f.session(allowed);
    await s.connect();
    f.backend.delayMs = 1000;
    const before = f.backend.cancelled;
    try {
      const ac = new AbortController();
      const p = s.call(verifyPath, verifyRequest(), { signal: ac.signal });
      setTimeout(() => ac.abort(), 200);
      await rejects(p, Status.CANCELLED);
      for (let i = 0; i < 50 && f.backend.cancelled === before; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(f.backend.cancelled, before + 1, "the backend saw the cancellation");
    } finally {
      f.backend.delayMs = 0;
    }
    await stillServing();
  });

  it("applies the route's timeout when the caller sets no deadline", async () => {
    const g = await f.startAnother({ routes: [{ match: gw, local: f.backend.address, timeoutMs: 200 }] });
    const s = await f.session(allowed, { address: `127.0.0.1:${g.address.port}` });
    await s.connect();
    f.backend.delayMs = 800;
    try {
      const t0 = Date.now();
      await rejects(s.call(verifyPath, verifyRequest()), Status.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - t0 < 700);
    } finally {
      f.backend.delayMs = 0;
    }
  });

  it("exports metrics for Prometheus and logs refusals as JSON without personal data", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", party: gw, destination: { write: (l: string) => lines.push(l) } });
    const g = await f.startAnother(
      { observability: { logLevel: "info", prometheus: { host: "127.0.0.1", port: 0 } } },
      { logger },
    );
    const s = await f.session(denied, { address: `127.0.0.1:${g.address.port}` });
    const idNo = "510104199001011234";
    const body = Buffer.from(
      VerifyTicketRequest.encode({
        ...VerifyTicketRequest.decode(verifyRequest()),
        holderIdNo: idNo,
        holderName: "李四",
      }).finish(),
    );
    await rejects(s.call(verifyPath, body), Status.PERMISSION_DENIED);
    const refused = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "call refused");
    assert.ok(refused, lines.join("\n"));
    assert.equal(refused.reason, "gateway/acl-denied");
    assert.equal(refused.origin, denied);
    assert.equal(refused.status, "PERMISSION_DENIED");
    assert.ok(!lines.join("").includes(idNo) && !lines.join("").includes("李四"), "no personal data in logs");

    const address = g.telemetry.prometheusAddress;
    assert.ok(address);
    const text = await (await fetch(`http://${address.host}:${address.port}/metrics`)).text();
    assert.match(text, /hutong_gateway_requests_total\{[^}]*status="PERMISSION_DENIED"[^}]*\} 1/);
    assert.match(text, /hutong_gateway_handshakes_total\{[^}]*outcome="ok"[^}]*\} 1/);
    assert.match(text, /hutong_gateway_acl_decisions_total\{[^}]*decision="deny"/);
    assert.ok(!text.includes(idNo));
  });

  it("refuses an oversized message with RESOURCE_EXHAUSTED and malformed protobuf with INVALID_ARGUMENT", async () => {
    const s = await f.session(allowed);
    await rejects(s.call(verifyPath, Buffer.alloc(100 * 1024, 0x41)), Status.RESOURCE_EXHAUSTED);
    await rejects(s.call(verifyPath, Buffer.from([0x0a, 0x05, 0x01])), Status.INVALID_ARGUMENT, /protobuf/);
    await rejects(s.call(verifyPath, Buffer.from([0x12, 0x00])), Status.INVALID_ARGUMENT, /RequestContext/);
    await stillServing();
  });

  it("serves the registry to authenticated members and reflection to tools", async () => {
    const client = await f.client(denied);
    const info = await client.unary(RegistryServiceService.getGatewayInfo, {});
    assert.equal(info.partyId, gw);
    assert.equal(info.role, GatewayRole.GATEWAY_ROLE_PROVINCE, "the role the config declares");
    assert.ok(info.services.includes("hutong.v1.TicketService"));
    const routes = await client.unary(RegistryServiceService.listRoutes, {});
    assert.deepEqual(
      routes.routes.map((r) => r.partyPattern),
      [gw, "prov:440000"],
    );
    assert.ok(routes.routes.every((r) => !r.target.includes("127.0.0.1")));
  });
});
