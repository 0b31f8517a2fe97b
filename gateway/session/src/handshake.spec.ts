import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { openTicket } from "./session-ticket.js";
import {
  clientParty,
  fixedNow,
  handshake,
  serverParty,
  sessionPki,
  testClient,
  testKeyring,
  testServer,
} from "./testing-fixtures.js";

function rejects(code: SessionErrorCode, fn: () => unknown, certsCode?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSessionError(e), `expected a SessionError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (certsCode !== undefined) assert.equal(e.certsCode, certsCode);
    return true;
  });
}

function flip(bytes: Uint8Array, index = bytes.length - 1): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ 1;
  return copy;
}

describe("handshake", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;

  it("completes, and both sides hold the same session keys", () => {
    const { established, serverFinish } = handshake();
    assert.equal(established.serverParty, serverParty);
    const ticket = openTicket(testKeyring(), serverFinish.ticket, now);
    assert.equal(ticket.clientParty, clientParty);
    assert.deepEqual(ticket.c2s, established.keys.c2s);
    assert.deepEqual(ticket.s2c, established.keys.s2c);
    assert.notDeepEqual(ticket.c2s, ticket.s2c);
    assert.equal(Buffer.from(ticket.certSerial).toString("hex"), pki.client.cert.serialHex);
    assert.equal(ticket.expiresAt, now + 3_600_000);
  });

  it("finishes on another replica that shares only the ticket key", () => {
    const replicaA = testServer();
    const replicaB = testServer({ keyring: testKeyring() });
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(replicaA.hello(hs.clientHello, { now, crls }), { now, crls });
    const established = awaiting.complete(replicaB.finish(awaiting.clientFinish, { now: now + 1000 }));
    assert.equal(established.serverParty, serverParty);
  });

  it("refuses a tampered server signature", () => {
    const hs = testClient().start(serverParty);
    const sh = testServer().hello(hs.clientHello, { now, crls });
    rejects("bad-signature", () => hs.receive({ ...sh, serverSignature: flip(sh.serverSignature, 10) }, { now, crls }));
  });

  it("refuses a tampered client signature", () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(server.hello(hs.clientHello, { now, crls }), { now, crls });
    const cf = awaiting.clientFinish;
    rejects("bad-signature", () => server.finish({ ...cf, clientSignature: flip(cf.clientSignature, 10) }, { now }));
  });

  it("client refuses a valid server certificate for the wrong party", () => {
    const impostor = testServer({ privateKey: pki.otherServer.key, chain: [pki.otherServer.cert.der] });
    const hs = testClient().start(serverParty);
    const sh = impostor.hello(hs.clientHello, { now, crls });
    rejects("wrong-party", () => hs.receive(sh, { now, crls }), "wrong-party");
  });

  it("server refuses a hello for another party", () => {
    const hs = testClient().start("prov:440000");
    rejects("wrong-party", () => testServer().hello(hs.clientHello, { now, crls }));
  });

  it("refuses a client certificate from an untrusted CA", () => {
    const hs = testClient(pki.untrustedClient).start(serverParty);
    rejects("bad-certificate", () => testServer().hello(hs.clientHello, { now, crls }), "untrusted");
  });

  it("refuses a client certificate without clientAuth", () => {
    const hs = testClient(pki.serverAuthOnlyClient).start(serverParty);
    rejects("bad-certificate", () => testServer().hello(hs.clientHello, { now, crls }), "wrong-usage");
  });

  it("refuses a revoked client certificate", () => {
    const hs = testClient(pki.revokedClient).start(serverParty);
    rejects("revoked", () => testServer().hello(hs.clientHello, { now, crls: [pki.crlWithRevoked] }), "revoked");
  });

  it("refuses an expired cookie", () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(server.hello(hs.clientHello, { now, crls }), { now, crls });
    rejects("cookie-expired", () => server.finish(awaiting.clientFinish, { now: now + 30_000 }));
  });

  it("refuses a forged cookie and one sealed by another gateway", () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(server.hello(hs.clientHello, { now, crls }), { now, crls });
    const cf = awaiting.clientFinish;
    rejects("bad-cookie", () => server.finish({ ...cf, cookie: flip(cf.cookie, 20) }, { now }));
    rejects("bad-cookie", () => testServer({ keyring: testKeyring(1, 9) }).finish(cf, { now }));
  });

  it("client refuses a server-finished it cannot verify", () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(server.hello(hs.clientHello, { now, crls }), { now, crls });
    const sf = server.finish(awaiting.clientFinish, { now });
    rejects("bad-mac", () => awaiting.complete({ ...sf, serverFinished: flip(sf.serverFinished) }));
  });

  it("client refuses a ticket or expiry changed on the link (server-finished covers both): bad-mac", () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = hs.receive(server.hello(hs.clientHello, { now, crls }), { now, crls });
    const sf = server.finish(awaiting.clientFinish, { now });
    // Another genuine ticket of the same server, as a party in the middle of an h2c link could hold.
    const other = handshake(server).serverFinish;
    rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: other.ticket }));
    rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: flip(sf.ticket, 5) }));
    rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: sf.ticket.subarray(0, sf.ticket.length - 1) }));
    rejects("bad-mac", () => awaiting.complete({ ...sf, expiresAt: sf.expiresAt + 3_600_000 }));
    rejects("bad-mac", () => awaiting.complete({ ...sf, expiresAt: sf.expiresAt - 1 }));
    // Untouched, the same ServerFinish completes.
    assert.equal(awaiting.complete(sf).expiresAt, sf.expiresAt);
  });

  it("refuses an unsupported version and malformed hellos", () => {
    const hs = testClient().start(serverParty);
    const server = testServer();
    rejects("unsupported-version", () => server.hello({ ...hs.clientHello, version: 2 }, { now, crls }));
    rejects("malformed", () =>
      server.hello({ ...hs.clientHello, clientEphemeral: flip(hs.clientHello.clientEphemeral) }, { now, crls }),
    );
    rejects("malformed", () => server.hello({ ...hs.clientHello, clientChain: [] }, { now, crls }));
  });

  it("server refuses hellos with fields of the wrong size, cheapest check first", () => {
    const hs = testClient().start(serverParty);
    const server = testServer();
    const ch = hs.clientHello;
    for (const clientRandom of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      rejects("malformed", () => server.hello({ ...ch, clientRandom }, { now, crls }));
    }
    // A compressed point is a point, but not the 65 bytes the transcript fixes.
    const compressed = Uint8Array.from([
      2 + ((ch.clientEphemeral[64] ?? 0) & 1),
      ...ch.clientEphemeral.subarray(1, 33),
    ]);
    for (const clientEphemeral of [compressed, ch.clientEphemeral.subarray(0, 64), new Uint8Array(0)]) {
      rejects("malformed", () => server.hello({ ...ch, clientEphemeral }, { now, crls }));
    }
    // The bound is in UTF-8 bytes: 128 three-byte characters are 384 bytes.
    rejects("malformed", () => server.hello({ ...ch, targetParty: "川".repeat(128) }, { now, crls }));
    rejects("malformed", () => server.hello({ ...ch, targetParty: "m".repeat(257) }, { now, crls }));
    // 256 bytes passes the size check and fails as the wrong party.
    rejects("wrong-party", () => server.hello({ ...ch, targetParty: "m".repeat(256) }, { now, crls }));
  });

  it("client refuses server hellos with fields of the wrong size", () => {
    const hs = testClient().start(serverParty);
    const sh = testServer().hello(hs.clientHello, { now, crls });
    for (const serverRandom of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      rejects("malformed", () => hs.receive({ ...sh, serverRandom }, { now, crls }));
    }
    rejects("malformed", () => hs.receive({ ...sh, serverEphemeral: sh.serverEphemeral.subarray(1) }, { now, crls }));
    rejects("malformed", () => hs.receive({ ...sh, serverEphemeral: flip(sh.serverEphemeral) }, { now, crls }));
    rejects("malformed", () => hs.receive({ ...sh, serverChain: [] }, { now, crls }));
    rejects(
      "bad-certificate",
      () => hs.receive({ ...sh, serverChain: [Uint8Array.of(0x30, 0)] }, { now, crls }),
      "malformed",
    );
    // Untouched, it goes through.
    assert.ok(hs.receive(sh, { now, crls }).clientFinish.clientSignature.length > 0);
  });

  it("a server cannot be configured without a certificate chain", () => {
    rejects("invalid-config", () => testServer({ chain: [] }));
  });

  it("caps the ticket at the client certificate's notAfter", () => {
    const { serverFinish } = handshake(testServer({ ticketLifetimeMs: 10_000 * 86_400_000 }));
    assert.equal(serverFinish.expiresAt, pki.client.cert.notAfter.getTime());
  });
});
