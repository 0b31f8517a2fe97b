// What a caller learns when the system behind the gateway fails: its status and a fixed text, never
// its words; the owner's log keeps a redacted form. Through one gateway, and relayed through a hub.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Purpose, TicketServiceService, type VerifyTicketRequest } from "@hutong/proto";
import { isWireError, type WireError } from "@hutong/wire";
import { type Federation, federationParties as p, startFederation } from "../dev/federation.js";
import { type SimulatedFailure, sampleTickets } from "../dev/simulated-backends.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { backendText } from "../pipeline/forwarded-status.js";
import type { RunningGateway } from "./start-gateway.js";
import { allowed, type GatewayFixture, gw, startGatewayFixture } from "./testing-gateway.js";

const id = "110105194912310021";
const phone = "13611112222";
const name = "李四海";
const leaky = `lookup failed for holder ${id} tel ${phone} name ${name}`;
/** Anything of the planted data: the whole values and long pieces of them. */
const pieces = [id, phone, name, id.slice(0, 8), id.slice(6, 14), phone.slice(0, 7), "四海"];

function logCapture(party: string): { logger: Logger; text: () => string; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", party, destination: { write: (s: string) => lines.push(s) } });
  return {
    logger,
    text: () => lines.join(""),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function assertClean(text: string, where: string): void {
  for (const piece of pieces)
    assert.equal(text.includes(piece), false, `${where} holds "${piece}":\n${text.slice(0, 2000)}`);
}

async function failure(p: Promise<unknown>): Promise<WireError> {
  try {
    await p;
  } catch (e) {
    if (isWireError(e)) return e;
    throw e;
  }
  assert.fail("the call succeeded");
}

function verify(target: string): VerifyTicketRequest {
  return {
    context: { targetParty: target, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: "eb-1" },
    ticketNo: sampleTickets(target.slice("prov:".length))[0]?.ticketNo ?? "",
    holderIdType: 0,
    holderIdNo: "",
    holderName: "",
    scheduleNo: "",
  };
}

/** The backend failures of the issue and the attacker's variations. */
const failures: SimulatedFailure[] = [
  { code: grpc.status.INTERNAL, details: leaky },
  { code: grpc.status.NOT_FOUND, details: `no ticket of ${id}`, metadata: { "x-holder": id, "x-tel": phone } },
  {
    code: grpc.status.PERMISSION_DENIED,
    details: `denied for ${name}`,
    metadata: { "hutong-denial": "grant-required", "hutong-error": "bad-ticket" },
  },
  { code: grpc.status.UNAVAILABLE, details: `${leaky} `.repeat(300) }, // ~24 KiB
  { code: grpc.status.UNKNOWN, details: `${id}\r\n{"level":"fatal","msg":"forged"}\t\u202e${phone}` },
];

describe("errors from behind the gateway: one gateway in front of a failing backend", () => {
  let fx: GatewayFixture;
  let logged: ReturnType<typeof logCapture>;
  let gateway: RunningGateway;
  before(async () => {
    fx = await startGatewayFixture();
    logged = logCapture(gw);
    gateway = await fx.startAnother({ observability: { logLevel: "info" } }, { logger: logged.logger });
  });
  after(async () => {
    fx.backend.failure = undefined;
    await fx?.close();
  });

  it("answers the backend's status with a fixed text, no trailer of its own, and logs only the redacted form", async () => {
    const client = await fx.session(allowed, { address: `127.0.0.1:${gateway.address.port}` });
    const body = Buffer.from(TicketServiceService.verifyTicket.requestSerialize(verify(gw)));
    for (const f of failures) {
      fx.backend.failure = f;
      const e = await failure(client.call(TicketServiceService.verifyTicket.path, body));
      assert.equal(e.code, f.code);
      assert.equal(e.message, backendText(e.code as never));
      for (const key of Object.keys(f.metadata ?? {})) assert.equal(e.trailers[key], undefined, key);
      assertClean(JSON.stringify([e.message, e.trailers]), "what the caller got");
    }
    fx.backend.failure = undefined;
    const ok = await client.call(TicketServiceService.verifyTicket.path, body);
    assert.ok(ok.body.length > 0, "a legitimate call still works");

    const text = logged.text();
    assertClean(text, "the owner's log");
    const internal = logged.records().find((r) => r.status === "INTERNAL" && r.msg === "call refused");
    assert.deepEqual(
      { ...(internal?.upstream as Record<string, unknown>), messageDigest: "-" },
      {
        from: "backend",
        status: "INTERNAL",
        message: "lookup failed for holder [digits] tel [digits] name [cjk]",
        messageLength: leaky.length,
        messageDigest: "-",
        droppedTrailers: 0,
      },
    );
    const forged = logged.records().find((r) => r.status === "UNKNOWN");
    assert.doesNotMatch(String((forged?.upstream as { message?: string })?.message), /[\r\n\u202e]/);
    assert.ok(!text.includes('"msg":"forged"'), "a message cannot forge a log line");
  });
});

describe("errors from behind the gateway: relayed through a hub", () => {
  let dir: string;
  let fed: Federation;
  const logs = new Map<string, ReturnType<typeof logCapture>>();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-behind-"));
    fed = await startFederation(dir, {
      logger: (party) => {
        const c = logCapture(party);
        logs.set(party, c);
        return c.logger;
      },
      tweak: (_party, raw) => ({ ...raw, observability: { logLevel: "info" } }),
    });
  });
  after(async () => {
    await fed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a Guangdong backend's words reach neither the Sichuan caller nor any gateway's log", async () => {
    const client = await fed.client(p.sichuanTicketing);
    for (const f of failures) {
      fed.backends.guangdong.failure = f;
      const e = await failure(client.unary(TicketServiceService.verifyTicket, verify(p.guangdong)));
      assert.equal(e.code, f.code);
      // The owner's gateway wrote the fixed text; the hub and Sichuan relay it as one of the closed set.
      assert.equal(e.message, backendText(e.code as never));
      assert.equal(e.trailers["hutong-denial"], undefined, "a backend cannot claim a share denial");
      assert.equal(e.trailers["hutong-error"], undefined);
      assertClean(JSON.stringify([e.message, e.trailers]), "what the caller got");
    }
    fed.backends.guangdong.failure = undefined;
    const ok = await client.unary(TicketServiceService.verifyTicket, verify(p.guangdong));
    assert.equal(ok.valid, true);
    for (const [party, c] of logs) assertClean(c.text(), `${party}'s log`);
    const owner = logs
      .get(p.guangdong)
      ?.records()
      .find((r) => r.status === "INTERNAL");
    assert.equal(
      (owner?.upstream as { message?: string })?.message,
      "lookup failed for holder [digits] tel [digits] name [cjk]",
    );
    // The relays passed a text of the closed set on as it came: nothing of it to log.
    const relayed = logs
      .get(p.hub)
      ?.records()
      .find((r) => r.status === "INTERNAL");
    assert.equal(relayed?.reason, "wire/13");
    assert.equal(relayed?.upstream, undefined);
  });
});
