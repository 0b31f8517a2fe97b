import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import { type Federation, federationParties as p, sampleTickets, startFederation } from "@hutong/gateway/dev";
import { Purpose, TicketServiceService } from "@hutong/proto";
import { createWireChannel, isWireError, Status } from "@hutong/wire";
import { selfSignedCert } from "@hutong/wire/testing";
import { startTcpRelay, type TcpRelay } from "./testing-tcp-relay.js";

/**
 * TLS 1.3 (a conventional certificate) under the SM2 session on a federation hop: Sichuan's
 * gateway listens with `listen.tls`, the hub's route to it says `tls: { caFile, serverName }`. A
 * call from Guangdong through the hub to Sichuan succeeds over it; the hub-to-Sichuan link (through
 * a recording relay) carries a TLS handshake and no HTTP/2 in clear; h2c and TLS 1.2 are refused.
 */
describe("TLS 1.3 on a gateway-to-gateway link", () => {
  let dir: string;
  let fed: Federation;
  let relay: TcpRelay;
  let caFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-tls-"));
    const { key, cert } = selfSignedCert();
    const certFile = join(dir, "tls-cert.pem");
    const keyFile = join(dir, "tls-key.pem");
    caFile = certFile;
    await writeFile(certFile, cert);
    await writeFile(keyFile, key, { mode: 0o600 });
    relay = await startTcpRelay();
    fed = await startFederation(dir, {
      tweak: (party, raw) => {
        if (party === p.sichuan) {
          return { ...raw, listen: { host: "127.0.0.1", port: 0, tls: { certFile, keyFile } } };
        }
        if (party !== p.hub) return raw;
        const routes = (raw.routes as { match: string; peer?: { party: string; address: string } }[]) ?? [];
        return {
          ...raw,
          routes: routes.map((r) => {
            if (r.peer?.party !== p.sichuan) return r;
            relay.target = r.peer.address;
            return { ...r, peer: { ...r.peer, address: relay.address, tls: { caFile, serverName: "localhost" } } };
          }),
        };
      },
    });
  });

  after(async () => {
    await fed?.close();
    await relay?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("carries a relayed call over TLS 1.3, the session inside it", async () => {
    const client = await fed.client(p.guangdongTicketing);
    const ticket = sampleTickets("510000")[0];
    const r = await client.unary(TicketServiceService.verifyTicket, {
      context: { targetParty: p.sichuan, purpose: Purpose.PURPOSE_BOARDING_CHECK, grantId: "", correlationId: "tls-1" },
      ticketNo: ticket?.ticketNo ?? "",
      holderIdType: 0,
      holderIdNo: ticket?.passenger?.idNo ?? "",
      holderName: "",
      scheduleNo: "",
    });
    assert.deepEqual([r.valid, r.holderMatches], [true, true]);
    assert.equal(fed.backends.sichuan.seen.at(-1)?.metadata["hutong-hops"], `${p.guangdong},${p.hub},${p.sichuan}`);
    const { toTarget, fromTarget } = relay.captured();
    // A TLS record (handshake, 0x16) starts the link, and the HTTP/2 preface never appears in clear.
    assert.equal(toTarget[0], 0x16);
    assert.equal(toTarget.indexOf("PRI * HTTP/2.0"), -1);
    assert.equal(Buffer.concat([toTarget, fromTarget]).indexOf("hutong-ticket"), -1);
  });

  it("refuses h2c and TLS 1.2 on the TLS listener", async () => {
    const address = `127.0.0.1:${fed.sichuan.address.port}`;
    const h2c = createWireChannel(address, { connectTimeoutMs: 1000 });
    try {
      await assert.rejects(
        h2c.unary("/grpc.health.v1.Health/Check", Buffer.alloc(0), {}, { deadline: Date.now() + 2000 }),
        (e: unknown) => isWireError(e) && (e.code === Status.UNAVAILABLE || e.code === Status.INTERNAL),
      );
    } finally {
      h2c.close();
    }
    const tls12 = await new Promise<string>((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port: fed.sichuan.address.port,
        maxVersion: "TLSv1.2",
        rejectUnauthorized: false,
        ALPNProtocols: ["h2"],
      });
      socket.once("secureConnect", () => {
        resolve(`connected with ${socket.getProtocol()}`);
        socket.destroy();
      });
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.match(tls12, /ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION|ERR_SSL_UNSUPPORTED_PROTOCOL/, tls12);
    // And a TLS 1.3 channel that trusts the certificate gets an answer.
    const good = createWireChannel(address, { tls: { ca: await readFile(caFile), servername: "localhost" } });
    try {
      const health = await good.unary("/grpc.health.v1.Health/Check", Buffer.alloc(0), {});
      assert.ok(health.body.length >= 0);
    } finally {
      good.close();
    }
  });
});
