import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatCallMetadata, parseCallMetadata } from "./call-metadata.js";
import { createCallVerifier } from "./call-verifier.js";
import { createReplayWindow } from "./replay-window.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { openTicket } from "./session-ticket.js";
import { crlOf, fixedNow, handshake, sessionPki, testClient, testKeyring, testServer } from "./testing-fixtures.js";

const method = "/hutong.v1.TicketService/GetTicket";
const request = new TextEncoder().encode("request bytes");
const response = new TextEncoder().encode("response bytes");

function rejects(code: SessionErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isSessionError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

/** Same bytes, whatever the Uint8Array subclass (node:crypto hands back Buffers). */
function same(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(Buffer.from(actual).toString("hex"), Buffer.from(expected).toString("hex"));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = Math.floor(bit / 8) % copy.length;
  copy[i] = (copy[i] ?? 0) ^ (1 << (bit % 8));
  return copy;
}

function flipHex(hex: string): string {
  return (hex[0] === "0" ? "1" : "0") + hex.slice(1);
}

const { session, established } = await handshake();

describe("per-call authentication and protection", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;
  const verifier = () => createCallVerifier({ keyring: testKeyring(), replayWindow: createReplayWindow() });

  it("accepts a signed request, decrypts it, and the client opens the encrypted response", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    assert.equal(session.protection, "sm4");
    assert.equal(signed.body.length, request.length);
    assert.notDeepEqual(signed.body, request);
    const call = v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now: now + 5, crls });
    same(call.request, request);
    assert.equal(call.protection, "sm4");
    const ticket = openTicket(testKeyring(), established.ticket, now);
    assert.deepEqual(call.sessionId, ticket.sessionId);
    assert.equal(call.expiresAt, established.expiresAt);
    assert.equal(call.clientParty, "prov:510000");
    assert.equal(call.certSerialHex, pki.client.cert.serialHex);
    const reply = call.protectResponse(response);
    assert.notDeepEqual(reply.body, response);
    const mac = Buffer.from(reply.mac).toString("hex");
    same(session.openResponse(method, signed.nonce, reply.body, mac), response);
    rejects("bad-mac", () => session.openResponse(method, signed.nonce, reply.body, flipHex(mac)));
    rejects("bad-mac", () => session.openResponse("/other", signed.nonce, reply.body, mac));
    rejects("bad-mac", () => session.openResponse(method, new Uint8Array(16), reply.body, mac));
    rejects("bad-mac", () => session.openResponse(method, signed.nonce, reply.body, undefined));
    rejects("bad-mac", () => session.openResponse(method, signed.nonce, response, mac));
  });

  it("refuses any single-bit change to an encrypted request or response: bad-mac, before decryption", () => {
    const v = verifier();
    fc.assert(
      fc.property(fc.nat({ max: request.length * 8 - 1 }), (bit) => {
        const signed = session.signRequest(method, request, now);
        const tampered = flipBit(signed.body, bit);
        rejects("bad-mac", () => v.verify({ method, metadata: signed.metadata, requestBytes: tampered, now, crls }));
        const call = v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
        const reply = call.protectResponse(response);
        const mac = Buffer.from(reply.mac).toString("hex");
        rejects("bad-mac", () =>
          session.openResponse(method, signed.nonce, flipBit(reply.body, bit % (response.length * 8)), mac),
        );
      }),
      { numRuns: 50 },
    );
  });

  it("never reuses keystream: each call's nonce starts its own, and the two directions' keys differ", () => {
    const same = new Uint8Array(64);
    const a = session.signRequest(method, same, now);
    const b = session.signRequest(method, same, now);
    assert.notDeepEqual(a.body, b.body);
    const v = verifier();
    const call = v.verify({ method, metadata: a.metadata, requestBytes: a.body, now, crls });
    // Same nonce, same plaintext, other direction: another key, so another keystream.
    assert.notDeepEqual(call.protectResponse(same).body, a.body);
  });

  it("runs one keystream over a stream's messages, MACs the ciphertexts in order, and the client opens them", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    const call = v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
    const messages = ["first", "second message", "", "the fourth and last"].map((m) => new TextEncoder().encode(m));
    const out = call.responseStream();
    const wire = messages.map((m) => out.next(m));
    const mac = Buffer.from(out.mac()).toString("hex");
    // One keystream: the concatenated ciphertexts are the unary encryption of the concatenated plaintexts.
    assert.deepEqual(Buffer.concat(wire), Buffer.from(call.protectResponse(Buffer.concat(messages)).body));
    const opened = session.responseStream(method, signed.nonce);
    for (const [k, w] of wire.entries()) same(opened.next(w), messages[k] ?? new Uint8Array(0));
    opened.verify(mac);
    // A dropped, reordered or altered message fails the MAC at the end.
    for (const variant of [
      wire.slice(1),
      [wire[1], wire[0], ...wire.slice(2)],
      [flipBit(wire[0] ?? new Uint8Array(1), 3), ...wire.slice(1)],
    ]) {
      const s = session.responseStream(method, signed.nonce);
      for (const w of variant) s.next(w ?? new Uint8Array(0));
      rejects("bad-mac", () => s.verify(mac));
    }
  });

  it("on a plaintext session, sends and answers the bytes as they are, MACed", async () => {
    const plain = (
      await handshake(testServer({ acceptPlaintext: () => true }), testClient(pki.client, { protection: "plaintext" }))
    ).session;
    assert.equal(plain.protection, "plaintext");
    const signed = plain.signRequest(method, request, now);
    same(signed.body, request);
    const call = verifier().verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
    assert.equal(call.protection, "plaintext");
    same(call.request, request);
    const reply = call.protectResponse(response);
    same(reply.body, response);
    assert.deepEqual(
      plain.openResponse(method, signed.nonce, reply.body, Buffer.from(reply.mac).toString("hex")),
      response,
    );
  });

  it("spells the call metadata exactly as formatCallMetadata does", () => {
    const signed = session.signRequest(method, request, now);
    assert.deepEqual(signed.metadata, formatCallMetadata(parseCallMetadata(signed.metadata)));
  });

  it("remembers opened tickets by their exact text: a second spelling of the same bytes is still refused", () => {
    const v = verifier();
    const first = session.signRequest(method, request, now);
    v.verify({ method, metadata: first.metadata, requestBytes: first.body, now, crls });
    const text = first.metadata["hutong-ticket"] ?? "";
    // base64url's last character carries spare bits unless the length is a multiple of 3 bytes;
    // setting one decodes to the same bytes, which a lax cache key would accept.
    const last = text.at(-1) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelt = text.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    const second = session.signRequest(method, request, now);
    const md = { ...second.metadata, "hutong-ticket": respelt };
    rejects(text.length % 4 === 0 ? "bad-ticket" : "malformed", () =>
      v.verify({ method, metadata: md, requestBytes: second.body, now, crls }),
    );
  });

  it("closes a ticket already opened and cached once its key is dropped from the keyring", () => {
    const keyring = testKeyring();
    const v = createCallVerifier({ keyring, replayWindow: createReplayWindow() });
    const first = session.signRequest(method, request, now);
    v.verify({ method, metadata: first.metadata, requestBytes: first.body, now, crls });
    // Rotated (the session's key kept as previous): the cached ticket still verifies.
    keyring.update({
      current: { id: 2, secret: new Uint8Array(32).fill(8) },
      previous: { id: 1, secret: new Uint8Array(32).fill(7) },
    });
    const second = session.signRequest(method, request, now);
    v.verify({ method, metadata: second.metadata, requestBytes: second.body, now, crls });
    // Previous dropped: the same ticket text, cached, is refused as if opened afresh.
    keyring.update({ current: { id: 2, secret: new Uint8Array(32).fill(8) } });
    const third = session.signRequest(method, request, now);
    rejects("bad-ticket", () => v.verify({ method, metadata: third.metadata, requestBytes: third.body, now, crls }));
  });

  it("refuses a tampered MAC, method or body", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    const md = signed.metadata;
    rejects("bad-mac", () =>
      v.verify({
        method,
        metadata: { ...md, "hutong-mac": flipHex(md["hutong-mac"] ?? "") },
        requestBytes: signed.body,
        now,
        crls,
      }),
    );
    rejects("bad-mac", () => v.verify({ method: "/x", metadata: md, requestBytes: signed.body, now, crls }));
    rejects("bad-mac", () => v.verify({ method, metadata: md, requestBytes: response, now, crls }));
    // The plaintext is not what was MACed: sending it in clear on an encrypted session fails too.
    rejects("bad-mac", () => v.verify({ method, metadata: md, requestBytes: request, now, crls }));
  });

  it("binds relay metadata to the request with the route MAC", () => {
    const v = verifier();
    const route = { origin: "prov:440000/ticketing", hops: "prov:440000,mot" };
    const signed = session.signRequest(method, request, now, route);
    const md = signed.metadata;
    const call = v.verify({ method, metadata: md, requestBytes: signed.body, now, crls });
    const macHex = md["hutong-route-mac"];
    call.verifyRoute(route.origin, route.hops, macHex);
    rejects("bad-mac", () => call.verifyRoute("prov:510000", route.hops, macHex));
    rejects("bad-mac", () => call.verifyRoute(route.origin, "prov:440000", macHex));
    rejects("bad-mac", () => call.verifyRoute(route.origin, route.hops, flipHex(macHex ?? "")));
    rejects("bad-mac", () => call.verifyRoute(route.origin, route.hops, undefined));
    rejects("malformed", () => call.verifyRoute(route.origin, route.hops, "zz"));
    // A route MAC from another request (other nonce) does not transfer.
    const other = session.signRequest(method, request, now, route);
    rejects("bad-mac", () => call.verifyRoute(route.origin, route.hops, other.metadata["hutong-route-mac"]));
    // Calls without a route carry no relay keys at all.
    assert.equal(session.signRequest(method, request, now).metadata["hutong-origin"], undefined);
  });

  it("prechecks a call from its headers alone, with verify()'s codes, recording nothing", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    v.precheck({ metadata: signed.metadata, now });
    v.precheck({ metadata: signed.metadata, now }); // records no nonce: the call may still come
    v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
    rejects("replay", () => v.precheck({ metadata: signed.metadata, now: now + 1 }));
    const { "hutong-ticket": _, ...noTicket } = session.signRequest(method, request, now).metadata;
    rejects("no-session", () => v.precheck({ metadata: noTicket, now }));
    const foreign = createCallVerifier({ keyring: testKeyring(1, 9), replayWindow: createReplayWindow() });
    rejects("bad-ticket", () => foreign.precheck({ metadata: signed.metadata, now }));
    rejects("stale-timestamp", () =>
      v.precheck({ metadata: session.signRequest(method, request, now - 30_001).metadata, now }),
    );
    rejects("ticket-expired", () =>
      v.precheck({ metadata: session.signRequest(method, request, now).metadata, now: now + 3_600_000 }),
    );
    const bad = session.signRequest(method, request, now).metadata;
    rejects("malformed", () => v.precheck({ metadata: { ...bad, "hutong-nonce": "zz" }, now }));
    // The MAC is not checked here (it covers the body): a wrong one passes precheck, fails verify.
    const wrongMac = { ...bad, "hutong-mac": flipHex(bad["hutong-mac"] ?? "") };
    v.precheck({ metadata: wrongMac, now });
    rejects("bad-mac", () => v.verify({ method, metadata: wrongMac, requestBytes: signed.body, now, crls }));
  });

  it("refuses a replayed nonce", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls });
    rejects("replay", () =>
      v.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now: now + 1, crls }),
    );
  });

  it("refuses stale timestamps in both directions", () => {
    const v = verifier();
    const past = session.signRequest(method, request, now - 30_001);
    rejects("stale-timestamp", () => v.verify({ method, metadata: past.metadata, requestBytes: past.body, now, crls }));
    const future = session.signRequest(method, request, now + 30_001);
    rejects("stale-timestamp", () =>
      v.verify({ method, metadata: future.metadata, requestBytes: future.body, now, crls }),
    );
    const edge = session.signRequest(method, request, now - 30_000);
    v.verify({ method, metadata: edge.metadata, requestBytes: edge.body, now, crls });
  });

  it("refuses a missing ticket, a foreign ticket and an expired ticket", () => {
    const signed = session.signRequest(method, request, now);
    const { "hutong-ticket": _, ...noTicket } = signed.metadata;
    rejects("no-session", () =>
      verifier().verify({ method, metadata: noTicket, requestBytes: signed.body, now, crls }),
    );
    const foreign = createCallVerifier({ keyring: testKeyring(1, 9), replayWindow: createReplayWindow() });
    rejects("bad-ticket", () =>
      foreign.verify({ method, metadata: signed.metadata, requestBytes: signed.body, now, crls }),
    );
    const late = now + 3_600_000;
    const lateCall = session.signRequest(method, request, late);
    rejects("ticket-expired", () =>
      verifier().verify({ method, metadata: lateCall.metadata, requestBytes: lateCall.body, now: late, crls }),
    );
    assert.equal(session.needsRehandshake(now), false);
    assert.equal(session.needsRehandshake(late - 60_000), true);
  });

  it("refuses malformed metadata", () => {
    const signed = session.signRequest(method, request, now);
    for (const bad of [
      { "hutong-ts": "0012" },
      { "hutong-nonce": "AB".repeat(16) },
      { "hutong-mac": "00" },
      { "hutong-ticket": `${signed.metadata["hutong-ticket"]}=` },
    ]) {
      rejects("malformed", () =>
        verifier().verify({ method, metadata: { ...signed.metadata, ...bad }, requestBytes: signed.body, now, crls }),
      );
    }
  });

  it("refuses call metadata with any value missing", () => {
    const signed = session.signRequest(method, request, now);
    for (const key of ["hutong-ts", "hutong-nonce", "hutong-mac"] as const) {
      const { [key]: _, ...partial } = signed.metadata;
      assert.throws(
        () => verifier().verify({ method, metadata: partial, requestBytes: signed.body, now, crls }),
        (e: unknown) => isSessionError(e, "malformed") && /incomplete/.test(e.message),
        key,
      );
    }
    const { "hutong-ticket": _, ...noTicket } = signed.metadata;
    rejects("no-session", () =>
      verifier().verify({
        method,
        metadata: { ...noTicket, "hutong-ticket": "" },
        requestBytes: signed.body,
        now,
        crls,
      }),
    );
  });

  it("with a one-ticket cache, alternating sessions still verify, replays and expiry still count", async () => {
    const other = (await handshake()).session;
    const v = createCallVerifier({
      keyring: testKeyring(),
      replayWindow: createReplayWindow(),
      openedTicketCacheSize: 1,
    });
    const calls = [session, other, session, other].map((s) => s.signRequest(method, request, now));
    for (const c of calls) v.verify({ method, metadata: c.metadata, requestBytes: c.body, now, crls });
    const [firstCall] = calls;
    assert.ok(firstCall !== undefined);
    rejects("replay", () =>
      v.verify({ method, metadata: firstCall.metadata, requestBytes: firstCall.body, now, crls }),
    );
    // Cached or not, a ticket past its expiry is refused.
    const late = now + 3_600_000;
    for (const s of [other, session]) {
      const c = s.signRequest(method, request, late);
      rejects("ticket-expired", () =>
        v.verify({ method, metadata: c.metadata, requestBytes: c.body, now: late, crls }),
      );
    }
  });

  it("accepts tickets under the previous key after rotation, refuses older ones", async () => {
    const k1 = { id: 1, fill: 7 };
    const onK1 = (await handshake(testServer({ keyring: testKeyring(k1.id, k1.fill) }))).session;
    const rotated = createCallVerifier({ keyring: testKeyring(2, 8, k1), replayWindow: createReplayWindow() });
    const a = onK1.signRequest(method, request, now);
    rotated.verify({ method, metadata: a.metadata, requestBytes: a.body, now, crls });
    const twiceRotated = createCallVerifier({
      keyring: testKeyring(3, 9, { id: 2, fill: 8 }),
      replayWindow: createReplayWindow(),
    });
    const b = onK1.signRequest(method, request, now);
    rejects("bad-ticket", () => twiceRotated.verify({ method, metadata: b.metadata, requestBytes: b.body, now, crls }));
  });

  it("stops a session whose certificate is revoked mid-session", () => {
    const v = verifier();
    const revokedLater = [crlOf(pki.root, [{ cert: pki.client.cert, at: now + 10_000 }])];
    const first = session.signRequest(method, request, now);
    v.verify({ method, metadata: first.metadata, requestBytes: first.body, now, crls: revokedLater });
    const second = session.signRequest(method, request, now + 10_000);
    rejects("revoked", () =>
      v.verify({ method, metadata: second.metadata, requestBytes: second.body, now: now + 10_000, crls: revokedLater }),
    );
  });
});
