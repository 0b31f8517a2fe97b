import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createGrpcJsTransport, type UnaryTransport } from "@hutong/client";
import { Purpose, TicketServiceService, VerifyTicketRequest } from "@hutong/proto";
import { isWireError, Status } from "@hutong/wire";
import pg from "pg";
import { sampleTickets } from "../dev/simulated-backends.js";
import { postgresSkip, postgresUrl } from "../testing.js";
import type { RunningGateway } from "./start-gateway.js";
import { allowed, type GatewayFixture, gatewayConfigFor, gw, startGatewayFixture } from "./testing-gateway.js";

const ticket = sampleTickets("510000")[0];
const verifyPath = TicketServiceService.verifyTicket.path;
const verifyRequest = () =>
  Buffer.from(
    VerifyTicketRequest.encode({
      context: { targetParty: gw, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: "r-1" },
      ticketNo: ticket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: ticket?.passenger?.idNo ?? "",
      holderName: "",
      scheduleNo: "K1021",
    }).finish(),
  );

interface Captured {
  body: Buffer;
  metadata: Record<string, string>;
}

/**
 * A client whose handshake goes to one replica and whose calls go to another (what a proxy's
 * per-request balancing does), keeping the last call as sent: what a party on the link could
 * capture and replay.
 */
function split(handshakeTo: UnaryTransport, callsTo: () => UnaryTransport, captured: Captured[]): UnaryTransport {
  return {
    async unary(path, body, metadata, options) {
      if (path.startsWith("/hutong.v1.SessionService/")) return handshakeTo.unary(path, body, metadata, options);
      captured.push({ body, metadata: { ...metadata } });
      return callsTo().unary(path, body, metadata, options);
    },
    close: () => handshakeTo.close(),
  };
}

async function refused(p: Promise<unknown>, code: number, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWireError(e), `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, `status ${e.code} (${e.message})`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("replicas sharing PostgreSQL: one replay window, one ticket keyring", { skip: postgresSkip }, () => {
  let f: GatewayFixture;
  const schema = `replicas_${randomBytes(6).toString("hex")}`;
  let keyFiles: { k1: string; k2: string };
  let sharedSettings: (keys: Record<string, unknown>) => Record<string, unknown>;
  const replicas: RunningGateway[] = [];
  const transports: UnaryTransport[] = [];
  const transportTo = (g: RunningGateway) => {
    const t = createGrpcJsTransport(`127.0.0.1:${g.address.port}`);
    transports.push(t);
    return t;
  };

  before(async () => {
    f = await startGatewayFixture();
    keyFiles = { k1: join(f.dir, "k1.hex"), k2: join(f.dir, "k2.hex") };
    await writeFile(keyFiles.k1, randomBytes(32).toString("hex"));
    await writeFile(keyFiles.k2, randomBytes(32).toString("hex"));
    sharedSettings = (ticketKeys) => ({
      store: { kind: "postgres", urlEnv: "HUTONG_TEST_POSTGRES_URL", schema },
      session: { ticketKeys, replayWindow: "shared" },
    });
    const k1 = { current: { id: 1, secretFile: keyFiles.k1 } };
    replicas.push(await f.startAnother(sharedSettings(k1)), await f.startAnother(sharedSettings(k1)));
  });
  after(async () => {
    for (const t of transports) t.close();
    await f?.close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it("a session made on one replica calls the other; a captured call replayed to either is refused", async () => {
    const [a, b] = replicas as [RunningGateway, RunningGateway];
    const captured: Captured[] = [];
    const toB = transportTo(b);
    const s = await f.session(allowed, { wrap: () => split(transportTo(a), () => toB, captured) });
    await s.call(verifyPath, verifyRequest());
    await s.call(verifyPath, verifyRequest());
    const last = captured.at(-1);
    assert.ok(last);
    for (const replica of [b, a]) {
      await refused(transportTo(replica).unary(verifyPath, last.body, last.metadata), Status.UNAUTHENTICATED, /replay/);
    }
    // And the session goes on.
    await s.call(verifyPath, verifyRequest());
  });

  it("with each replica's own window only, the same replay to the other replica is answered: the gap shared closes", async () => {
    const k1 = { current: { id: 1, secretFile: keyFiles.k1 } };
    const local = (n: number) => ({
      store: { kind: "sqlite", path: join(f.dir, `local-${n}.db`) },
      session: { ticketKeys: k1 },
    });
    const c = await f.startAnother(local(1));
    const d = await f.startAnother(local(2));
    const captured: Captured[] = [];
    const s = await f.session(allowed, { wrap: () => split(transportTo(c), () => transportTo(c), captured) });
    await s.call(verifyPath, verifyRequest());
    const last = captured.at(-1);
    assert.ok(last);
    await refused(transportTo(c).unary(verifyPath, last.body, last.metadata), Status.UNAUTHENTICATED, /replay/);
    const reply = await transportTo(d).unary(verifyPath, last.body, last.metadata);
    assert.ok(reply.body.length > 0, "answered twice: per-process windows cannot see each other");
  });

  it("ticket keys rotate in three reloads across replicas without a failed call", async () => {
    const [a, b] = replicas as [RunningGateway, RunningGateway];
    const config = (keys: Record<string, unknown>) => gatewayConfigFor(f.dir, f.pki, f.backend, sharedSettings(keys));
    const k1 = { id: 1, secretFile: keyFiles.k1 };
    const k2 = { id: 2, secretFile: keyFiles.k2 };
    // Sessions handshaked on each replica, calls spread over both, across every step.
    const sessions = await Promise.all(
      [a, b].map((home) =>
        f.session(allowed, {
          wrap: () => {
            let i = 0;
            const both = [transportTo(a), transportTo(b)];
            return split(transportTo(home), () => both[i++ % 2] as UnaryTransport, []);
          },
        }),
      ),
    );
    const everyoneCalls = async () => {
      for (const s of sessions) for (let i = 0; i < 4; i++) await s.call(verifyPath, verifyRequest());
    };
    await everyoneCalls();
    // A session under key 1 that stays quiet until key 1 is gone.
    const captured: Captured[] = [];
    const old = await f.session(allowed, { wrap: () => split(transportTo(a), () => transportTo(b), captured) });
    await old.call(verifyPath, verifyRequest());
    // 1. next everywhere: every replica opens what any will seal.
    await a.reload(await config({ current: k1, next: k2 }));
    await everyoneCalls();
    await b.reload(await config({ current: k1, next: k2 }));
    // 2. next → current, replica by replica: a seals under 2 while b still seals under 1.
    await a.reload(await config({ current: k2, previous: k1 }));
    const fresh = await f.session(allowed, {
      wrap: () => split(transportTo(a), () => transportTo(b), []),
    });
    await fresh.call(verifyPath, verifyRequest());
    await everyoneCalls();
    await b.reload(await config({ current: k2, previous: k1 }));
    await everyoneCalls();
    sessions.push(fresh);
    // 3. previous dropped after the ticket lifetime: a ticket under 1, even one a replica has
    // already opened and cached, is refused; the SDK then handshakes again by itself.
    await a.reload(await config({ current: k2 }));
    await b.reload(await config({ current: k2 }));
    const stale = captured.at(-1);
    assert.ok(stale);
    await refused(transportTo(b).unary(verifyPath, stale.body, stale.metadata), Status.UNAUTHENTICATED, /ticket/);
    await old.call(verifyPath, verifyRequest());
    await everyoneCalls();
  });

  it("refuses a config asking for a shared window on SQLite, naming the key", async () => {
    await assert.rejects(
      gatewayConfigFor(f.dir, f.pki, f.backend, {
        session: { ticketKeys: { current: { id: 1, secretFile: keyFiles.k1 } }, replayWindow: "shared" },
      }),
      /session\.replayWindow.*postgres/s,
    );
  });
});
