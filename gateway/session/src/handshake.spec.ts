import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { FinishResponse } from "@hutong/proto";
import { addressRateKey, createHandshakeAdmission } from "./handshake-admission.js";
import { protectionModes } from "./protocol-constants.js";
import { isSessionError, type SessionErrorCode, sessionErrorStatus } from "./session-error.js";
import { encodeMessage, finishResponse, helloResponse } from "./session-messages.js";
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

async function rejects(code: SessionErrorCode, fn: () => unknown, certsCode?: string): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(isSessionError(e), `expected a SessionError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (certsCode !== undefined) assert.equal(e.certsCode, certsCode);
      return true;
    },
  );
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

  it("completes, and both sides hold the same session keys", async () => {
    const { established, serverFinish } = await handshake();
    assert.equal(established.serverParty, serverParty);
    const ticket = openTicket(testKeyring(), serverFinish.ticket, now);
    assert.equal(ticket.clientParty, clientParty);
    assert.deepEqual(ticket.c2s, established.keys.c2s);
    assert.deepEqual(ticket.s2c, established.keys.s2c);
    assert.notDeepEqual(ticket.c2s, ticket.s2c);
    assert.equal(Buffer.from(ticket.certSerial).toString("hex"), pki.client.cert.serialHex);
    assert.equal(ticket.expiresAt, now + 3_600_000);
  });

  it("finishes on another replica that shares only the ticket key", async () => {
    const replicaA = testServer();
    const replicaB = testServer({ keyring: testKeyring() });
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await replicaA.hello(hs.clientHello, { now, crls }), { now, crls });
    const established = awaiting.complete(await replicaB.finish(awaiting.clientFinish, { now: now + 1000 }));
    assert.equal(established.serverParty, serverParty);
  });

  it("refuses a tampered server signature", async () => {
    const hs = testClient().start(serverParty);
    const sh = await testServer().hello(hs.clientHello, { now, crls });
    await rejects("bad-signature", () =>
      hs.receive({ ...sh, serverSignature: flip(sh.serverSignature, 10) }, { now, crls }),
    );
  });

  it("refuses a tampered client signature", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    const cf = awaiting.clientFinish;
    await rejects("bad-signature", () =>
      server.finish({ ...cf, clientSignature: flip(cf.clientSignature, 10) }, { now }),
    );
  });

  it("client refuses a valid server certificate for the wrong party", async () => {
    const impostor = testServer({ privateKey: pki.otherServer.key, chain: [pki.otherServer.cert.der] });
    const hs = testClient().start(serverParty);
    const sh = await impostor.hello(hs.clientHello, { now, crls });
    await rejects("wrong-party", () => hs.receive(sh, { now, crls }), "wrong-party");
  });

  it("server refuses a hello for another party", async () => {
    const hs = testClient().start("prov:440000");
    await rejects("wrong-party", () => testServer().hello(hs.clientHello, { now, crls }));
  });

  it("refuses a client certificate from an untrusted CA", async () => {
    const hs = testClient(pki.untrustedClient).start(serverParty);
    await rejects("bad-certificate", () => testServer().hello(hs.clientHello, { now, crls }), "untrusted");
  });

  it("refuses a client certificate without clientAuth", async () => {
    const hs = testClient(pki.serverAuthOnlyClient).start(serverParty);
    await rejects("bad-certificate", () => testServer().hello(hs.clientHello, { now, crls }), "wrong-usage");
  });

  it("refuses a revoked client certificate", async () => {
    const hs = testClient(pki.revokedClient).start(serverParty);
    await rejects("revoked", () => testServer().hello(hs.clientHello, { now, crls: [pki.crlWithRevoked] }), "revoked");
  });

  it("refuses an expired cookie", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    await rejects("cookie-expired", () => server.finish(awaiting.clientFinish, { now: now + 30_000 }));
  });

  it("refuses a forged cookie and one sealed by another gateway", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    const cf = awaiting.clientFinish;
    await rejects("bad-cookie", () => server.finish({ ...cf, cookie: flip(cf.cookie, 20) }, { now }));
    await rejects("bad-cookie", () => testServer({ keyring: testKeyring(1, 9) }).finish(cf, { now }));
  });

  it("client refuses a server-finished it cannot verify", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    const sf = await server.finish(awaiting.clientFinish, { now });
    await rejects("bad-mac", () => awaiting.complete({ ...sf, serverFinished: flip(sf.serverFinished) }));
  });

  it("client refuses a ticket or expiry changed on the link (server-finished covers both): bad-mac", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    const sf = await server.finish(awaiting.clientFinish, { now });
    // Another genuine ticket of the same server, as a party in the middle of an h2c link could hold.
    const other = (await handshake(server)).serverFinish;
    await rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: other.ticket }));
    await rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: flip(sf.ticket, 5) }));
    await rejects("bad-mac", () => awaiting.complete({ ...sf, ticket: sf.ticket.subarray(0, sf.ticket.length - 1) }));
    await rejects("bad-mac", () => awaiting.complete({ ...sf, expiresAt: sf.expiresAt + 3_600_000 }));
    await rejects("bad-mac", () => awaiting.complete({ ...sf, expiresAt: sf.expiresAt - 1 }));
    // Untouched, the same ServerFinish completes.
    assert.equal(awaiting.complete(sf).expiresAt, sf.expiresAt);
  });

  it("refuses an unsupported version and malformed hellos", async () => {
    const hs = testClient().start(serverParty);
    const server = testServer();
    await rejects("unsupported-version", () => server.hello({ ...hs.clientHello, version: 2 }, { now, crls }));
    await rejects("malformed", () =>
      server.hello({ ...hs.clientHello, clientEphemeral: flip(hs.clientHello.clientEphemeral) }, { now, crls }),
    );
    await rejects("malformed", () => server.hello({ ...hs.clientHello, clientChain: [] }, { now, crls }));
  });

  it("server refuses hellos with fields of the wrong size, cheapest check first", async () => {
    const hs = testClient().start(serverParty);
    const server = testServer();
    const ch = hs.clientHello;
    for (const clientRandom of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      await rejects("malformed", () => server.hello({ ...ch, clientRandom }, { now, crls }));
    }
    // A compressed point is a point, but not the 65 bytes the transcript fixes.
    const compressed = Uint8Array.from([
      2 + ((ch.clientEphemeral[64] ?? 0) & 1),
      ...ch.clientEphemeral.subarray(1, 33),
    ]);
    for (const clientEphemeral of [compressed, ch.clientEphemeral.subarray(0, 64), new Uint8Array(0)]) {
      await rejects("malformed", () => server.hello({ ...ch, clientEphemeral }, { now, crls }));
    }
    // The bound is in UTF-8 bytes: 128 three-byte characters are 384 bytes.
    await rejects("malformed", () => server.hello({ ...ch, targetParty: "川".repeat(128) }, { now, crls }));
    await rejects("malformed", () => server.hello({ ...ch, targetParty: "m".repeat(257) }, { now, crls }));
    // 256 bytes passes the size check and fails as the wrong party.
    await rejects("wrong-party", () => server.hello({ ...ch, targetParty: "m".repeat(256) }, { now, crls }));
  });

  it("client refuses server hellos with fields of the wrong size", async () => {
    const hs = testClient().start(serverParty);
    const sh = await testServer().hello(hs.clientHello, { now, crls });
    for (const serverRandom of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      await rejects("malformed", () => hs.receive({ ...sh, serverRandom }, { now, crls }));
    }
    await rejects("malformed", () =>
      hs.receive({ ...sh, serverEphemeral: sh.serverEphemeral.subarray(1) }, { now, crls }),
    );
    await rejects("malformed", () => hs.receive({ ...sh, serverEphemeral: flip(sh.serverEphemeral) }, { now, crls }));
    await rejects("malformed", () => hs.receive({ ...sh, serverChain: [] }, { now, crls }));
    await rejects(
      "bad-certificate",
      () => hs.receive({ ...sh, serverChain: [Uint8Array.of(0x30, 0)] }, { now, crls }),
      "malformed",
    );
    // Untouched, it goes through.
    assert.ok((await hs.receive(sh, { now, crls })).clientFinish.clientSignature.length > 0);
  });

  it("a server cannot be configured without a certificate chain", async () => {
    await rejects("invalid-config", () => testServer({ chain: [] }));
  });

  it("caps the ticket at the client certificate's notAfter", async () => {
    const { serverFinish } = await handshake(testServer({ ticketLifetimeMs: 10_000 * 86_400_000 }));
    assert.equal(serverFinish.expiresAt, pki.client.cert.notAfter.getTime());
  });
});

describe("handshake: protection", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;
  const plaintextClient = () => testClient(pki.client, { protection: "plaintext" });

  it("asks for SM4 by default, and the server agrees to exactly that", async () => {
    const hs = testClient().start(serverParty);
    assert.equal(hs.clientHello.protection, protectionModes.sm4);
    const sh = await testServer().hello(hs.clientHello, { now, crls });
    assert.equal(sh.protection, protectionModes.sm4);
    const { established, serverFinish } = await handshake();
    assert.equal(established.protection, "sm4");
    assert.equal(openTicket(testKeyring(), serverFinish.ticket, now).protection, "sm4");
  });

  it("a server refuses plaintext unless its policy allows this client, asked with party and address", async () => {
    await rejects("protection-refused", () =>
      testServer().hello(plaintextClient().start(serverParty).clientHello, { now, crls, address: "127.0.0.1" }),
    );
    const asked: unknown[] = [];
    const permissive = testServer({
      acceptPlaintext: (request) => {
        asked.push(request);
        return request.address === "127.0.0.1";
      },
    });
    const hs = plaintextClient().start(serverParty);
    await rejects("protection-refused", () => permissive.hello(hs.clientHello, { now, crls, address: "10.0.0.1" }));
    const sh = await permissive.hello(hs.clientHello, { now, crls, address: "127.0.0.1" });
    assert.equal(sh.protection, protectionModes.plaintext);
    assert.deepEqual(asked, [
      { party: clientParty, address: "10.0.0.1" },
      { party: clientParty, address: "127.0.0.1" },
    ]);
    const awaiting = await hs.receive(sh, { now, crls });
    const established = awaiting.complete(await permissive.finish(awaiting.clientFinish, { now }));
    assert.equal(established.protection, "plaintext");
  });

  it("refuses a downgrade: a hello rewritten to ask for plaintext fails at the client", async () => {
    // The server would even allow plaintext: the party in the middle rewrites the client's hello.
    const server = testServer({ acceptPlaintext: () => true });
    const hs = testClient().start(serverParty);
    const rewritten = { ...hs.clientHello, protection: protectionModes.plaintext };
    const sh = await server.hello(rewritten, { now, crls });
    assert.equal(sh.protection, protectionModes.plaintext);
    // The server's answer names plaintext: the client asked for SM4 and goes no further.
    await rejects("protection-refused", () => hs.receive(sh, { now, crls }));
    // Rewriting the answer back does not help: the server signed a transcript with plaintext in it.
    await rejects("bad-signature", () => hs.receive({ ...sh, protection: protectionModes.sm4 }, { now, crls }));
  });

  it("refuses a hello without a protection as malformed, an unknown one as protection-refused", async () => {
    const ch = testClient().start(serverParty).clientHello;
    await rejects("malformed", () => testServer().hello({ ...ch, protection: 0 }, { now, crls }));
    for (const protection of [3, 255, 1000, -1]) {
      await rejects("protection-refused", () => testServer().hello({ ...ch, protection }, { now, crls }));
    }
  });
});

describe("handshake: refusals of §8", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;

  it("refuses a hello without a version, target party or certificate bytes as malformed", async () => {
    const ch = testClient().start(serverParty).clientHello;
    const server = testServer();
    await rejects("malformed", () => server.hello({ ...ch, version: 0 }, { now, crls }));
    await rejects("malformed", () => server.hello({ ...ch, targetParty: "" }, { now, crls }));
    await rejects("malformed", () => server.hello({ ...ch, clientChain: [new Uint8Array(0)] }, { now, crls }));
    await rejects("malformed", () =>
      server.hello({ ...ch, clientChain: Array(9).fill(ch.clientChain[0]) }, { now, crls }),
    );
    await rejects("malformed", () => server.hello({ ...ch, clientChain: [new Uint8Array(16_385)] }, { now, crls }));
    // Shape before party: a malformed hello for another party is still malformed.
    await rejects("malformed", () => server.hello({ ...ch, targetParty: "prov:440000", version: 0 }, { now, crls }));
  });

  it("refuses a certificate that does not parse or names no party as bad-certificate (not wrong-party)", async () => {
    const server = testServer();
    const ch = testClient().start(serverParty).clientHello;
    await rejects(
      "bad-certificate",
      () => server.hello({ ...ch, clientChain: [Uint8Array.of(0x30, 0)] }, { now, crls }),
      "malformed",
    );
    const anonymous = testClient(pki.noPartyClient).start(serverParty).clientHello;
    await rejects("bad-certificate", () => server.hello(anonymous, { now, crls }), "wrong-party");
    // And as a server's certificate, at the client.
    const nameless = testServer({ privateKey: pki.noPartyClient.key, chain: [pki.noPartyClient.cert.der] });
    const hs = testClient().start(serverParty);
    const sh = await nameless.hello(hs.clientHello, { now, crls });
    await rejects("bad-certificate", () => hs.receive(sh, { now, crls }));
  });

  it("refuses a finish without a cookie or a signature as malformed, a signature that is not DER as bad-signature", async () => {
    const server = testServer();
    const hs = testClient().start(serverParty);
    const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
    const cf = awaiting.clientFinish;
    await rejects("malformed", () => server.finish({ ...cf, cookie: new Uint8Array(0) }, { now }));
    await rejects("malformed", () => server.finish({ ...cf, clientSignature: new Uint8Array(0) }, { now }));
    await rejects("bad-cookie", () => server.finish({ ...cf, cookie: cf.cookie.subarray(0, 40) }, { now }));
    await rejects("bad-signature", () => server.finish({ ...cf, clientSignature: Uint8Array.of(1, 2, 3) }, { now }));
  });
});

describe("handshake: admission", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;

  it("refuses busy beyond an address's rate before any signature, and frees the slot of a refused hello", async () => {
    const admission = createHandshakeAdmission({ maxConcurrent: 4, perAddress: { perSecond: 1, burst: 2 } });
    const server = testServer({ admission });
    const ch = testClient().start(serverParty).clientHello;
    await server.hello(ch, { now, crls, address: "192.0.2.1" });
    await server.hello(ch, { now, crls, address: "192.0.2.1" });
    await rejects("busy", () => server.hello(ch, { now, crls, address: "192.0.2.1" }));
    // Another address has its own bucket; an IPv6 /64 is one address.
    await server.hello(ch, { now, crls, address: "192.0.2.2" });
    await server.hello(ch, { now, crls, address: "2001:db8::1" });
    await server.hello(ch, { now, crls, address: "2001:db8:0:0:ffff::2" });
    await rejects("busy", () => server.hello(ch, { now, crls, address: "2001:db8::3" }));
    // A second later the first address has a token again; nothing was left holding a slot.
    assert.equal(admission.inProgress, 0);
    await server.hello(ch, { now: now + 1000, crls, address: "192.0.2.1" });
    // A refusal for another reason frees its slot too.
    await rejects("wrong-party", () =>
      server.hello({ ...ch, targetParty: "prov:440000" }, { now: now + 5000, crls, address: "192.0.2.9" }),
    );
    assert.equal(admission.inProgress, 0);
  });

  it("limits a party's completed handshakes, which hellos naming it cannot use up", async () => {
    const admission = createHandshakeAdmission({ maxConcurrent: 8, perParty: { perSecond: 1, burst: 2 } });
    const server = testServer({ admission });
    // Anyone can send hellos with the client's (public) certificate: they take nothing from its bucket.
    const claim = testClient().start(serverParty).clientHello;
    for (let i = 0; i < 5; i++) await server.hello(claim, { now, crls });
    // Two complete handshakes spend the bucket; a third is refused at the hello, and a cookie
    // obtained before is refused at the finish.
    const complete = async () => {
      const hs = testClient().start(serverParty);
      const awaiting = await hs.receive(await server.hello(hs.clientHello, { now, crls }), { now, crls });
      return awaiting.complete(await server.finish(awaiting.clientFinish, { now }));
    };
    const early = testClient().start(serverParty);
    const pending = await early.receive(await server.hello(early.clientHello, { now, crls }), { now, crls });
    await complete();
    await complete();
    await rejects("busy", () => server.hello(claim, { now, crls }));
    await rejects("busy", () => server.finish(pending.clientFinish, { now }));
    // A bad signature in a finish takes nothing either.
    const other = testClient().start(serverParty);
    const awaiting = await other.receive(await server.hello(other.clientHello, { now: now + 1000, crls }), {
      now: now + 1000,
      crls,
    });
    await rejects("bad-signature", () =>
      server.finish({ ...awaiting.clientFinish, clientSignature: Uint8Array.of(1) }, { now: now + 1000 }),
    );
    await server.finish(awaiting.clientFinish, { now: now + 1000 });
    await rejects("busy", () => server.hello(claim, { now: now + 1000, crls }));
    assert.equal(admission.inProgress, 0);
  });

  it("caps handshakes in progress", async () => {
    const admission = createHandshakeAdmission({ maxConcurrent: 2 });
    const server = testServer({ admission });
    const ch = testClient().start(serverParty).clientHello;
    const slots = [admission.enter(undefined, now), admission.enter(undefined, now)];
    await rejects("busy", () => server.hello(ch, { now, crls }));
    for (const s of slots) s.release();
    slots[0]?.release();
    assert.equal(admission.inProgress, 0);
    await server.hello(ch, { now, crls });
  });

  it("refuses limits outside their domain at construction", async () => {
    await rejects("invalid-config", () => createHandshakeAdmission({ maxConcurrent: 0 }));
    await rejects("invalid-config", () =>
      createHandshakeAdmission({ maxConcurrent: 1, perAddress: { perSecond: 0, burst: 1 } }),
    );
    await rejects("invalid-config", () =>
      createHandshakeAdmission({ maxConcurrent: 1, perParty: { perSecond: 1, burst: 0.5 } }),
    );
  });

  it("rates addresses by what a peer holds: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4", () => {
    assert.equal(addressRateKey("192.0.2.7"), "192.0.2.7");
    assert.equal(addressRateKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(addressRateKey("2001:DB8:0:0:1::5"), "2001:db8:0:0::/64");
    assert.equal(addressRateKey("2001:db8::"), "2001:db8:0:0::/64");
    assert.equal(addressRateKey("::1"), "0:0:0:0::/64");
    assert.equal(addressRateKey("fe80::1%eth0"), "fe80:0:0:0::/64");
    assert.equal(addressRateKey("64:ff9b::192.0.2.7"), "64:ff9b::192.0.2.7");
  });

  it("forgets idle buckets first, then the least recently used, and stays bounded", async () => {
    const admission = createHandshakeAdmission({
      maxConcurrent: 1,
      perAddress: { perSecond: 1, burst: 1 },
      maxTracked: 10,
    });
    // Ten busy addresses, then ten more: the oldest are forgotten (a fresh bucket again), never an error.
    for (let i = 0; i < 30; i++) admission.enter(`198.51.100.${i}`, now).release();
    // The most recent one is still remembered and empty.
    assert.throws(
      () => admission.enter("198.51.100.29", now),
      (e: unknown) => isSessionError(e, "busy"),
    );
    // Idle ones (refilled) go first: much later, everything is fresh.
    for (let i = 0; i < 30; i++) admission.enter(`198.51.100.${i}`, now + 60_000).release();
  });
});

describe("handshake: the client's refusals (§8, rows C1–C8)", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;

  it("refuses each case with the code of its row, and the table lists exactly these", async () => {
    const server = testServer();
    const fresh = async () => {
      const hs = testClient().start(serverParty);
      return { hs, sh: await server.hello(hs.clientHello, { now, crls }) };
    };
    const cases: Record<string, () => Promise<unknown>> = {
      C1: async () => {
        const { hs, sh } = await fresh();
        return hs.receive({ ...sh, serverRandom: sh.serverRandom.subarray(1) }, { now, crls });
      },
      C2: async () => {
        const { hs, sh } = await fresh();
        return hs.receive({ ...sh, protection: protectionModes.plaintext }, { now, crls });
      },
      C3: async () => {
        const { hs, sh } = await fresh();
        return hs.receive({ ...sh, serverEphemeral: flip(sh.serverEphemeral) }, { now, crls });
      },
      C4: async () => {
        const nameless = testServer({ privateKey: pki.noPartyClient.key, chain: [pki.noPartyClient.cert.der] });
        const hs = testClient().start(serverParty);
        return hs.receive(await nameless.hello(hs.clientHello, { now, crls }), { now, crls });
      },
      C5: async () => {
        const impostor = testServer({ privateKey: pki.otherServer.key, chain: [pki.otherServer.cert.der] });
        const hs = testClient().start(serverParty);
        return hs.receive(await impostor.hello(hs.clientHello, { now, crls }), { now, crls });
      },
      C6: async () => {
        const { hs, sh } = await fresh();
        return hs.receive({ ...sh, serverSignature: flip(sh.serverSignature, 12) }, { now, crls });
      },
      C7: async () =>
        finishResponse.decode(
          encodeMessage(FinishResponse, {
            ticket: Buffer.from([1]),
            expiresAt: BigInt(Number.MAX_SAFE_INTEGER) + 1n,
            serverFinished: Buffer.alloc(32),
          }),
        ),
      C8: async () => {
        const { hs, sh } = await fresh();
        const awaiting = await hs.receive(sh, { now, crls });
        const sf = await server.finish(awaiting.clientFinish, { now });
        return awaiting.complete({ ...sf, expiresAt: sf.expiresAt + 1 });
      },
    };
    const text = readFileSync(fileURLToPath(new URL("../../../docs/session-protocol.md", import.meta.url)), "utf8");
    const section = text.slice(text.indexOf("### Handshake refusals"), text.indexOf("### Limits"));
    const rows = new Map(
      [...section.matchAll(/^\| `(C\d+)` +\|[^|]+\|[^|]+\| ([A-Z_]+) \(\d+\) +\| `([a-z-]+)` +\|$/gm)].map((m) => [
        m[1] as string,
        { status: m[2], code: m[3] as SessionErrorCode },
      ]),
    );
    assert.deepEqual([...rows.keys()].sort(), Object.keys(cases).sort());
    for (const [id, run] of Object.entries(cases)) {
      const row = rows.get(id);
      assert.ok(row !== undefined);
      assert.equal(sessionErrorStatus[row.code], row.status, id);
      await rejects(row.code, run);
    }
    // Also malformed: a HelloResponse that is not protobuf.
    await rejects("malformed", async () => helloResponse.decode(Uint8Array.of(0x0a, 0xff)));
  });
});
