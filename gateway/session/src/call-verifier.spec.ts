import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCallMetadata, parseCallMetadata } from "./call-metadata.js";
import { createCallVerifier } from "./call-verifier.js";
import { createReplayWindow } from "./replay-window.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { openTicket } from "./session-ticket.js";
import { crlOf, fixedNow, handshake, sessionPki, testKeyring, testServer } from "./testing-fixtures.js";

const method = "/hutong.v1.TicketService/GetTicket";
const request = new TextEncoder().encode("request bytes");
const response = new TextEncoder().encode("response bytes");

function rejects(code: SessionErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isSessionError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

function flipHex(hex: string): string {
  return (hex[0] === "0" ? "1" : "0") + hex.slice(1);
}

describe("per-call authentication", () => {
  const pki = sessionPki();
  const crls = [pki.crl];
  const now = fixedNow;
  const { session, established } = handshake();
  const verifier = () => createCallVerifier({ keyring: testKeyring(), replayWindow: createReplayWindow() });

  it("accepts a signed request, and the client accepts the response MAC", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    const call = v.verify({ method, metadata: signed.metadata, requestBytes: request, now: now + 5, crls });
    const ticket = openTicket(testKeyring(), established.ticket, now);
    assert.deepEqual(call.sessionId, ticket.sessionId);
    assert.equal(call.expiresAt, established.expiresAt);
    assert.equal(call.clientParty, "prov:510000");
    assert.equal(call.certSerialHex, pki.client.cert.serialHex);
    const mac = Buffer.from(call.responseMac(response)).toString("hex");
    session.verifyResponse(method, signed.nonce, response, mac);
    rejects("bad-mac", () => session.verifyResponse(method, signed.nonce, response, flipHex(mac)));
    rejects("bad-mac", () => session.verifyResponse("/other", signed.nonce, response, mac));
    rejects("bad-mac", () => session.verifyResponse(method, new Uint8Array(16), response, mac));
    rejects("bad-mac", () => session.verifyResponse(method, signed.nonce, response, undefined));
  });

  it("spells the call metadata exactly as formatCallMetadata does", () => {
    const signed = session.signRequest(method, request, now);
    assert.deepEqual(signed.metadata, formatCallMetadata(parseCallMetadata(signed.metadata)));
  });

  it("remembers opened tickets by their exact text: a second spelling of the same bytes is still refused", () => {
    const v = verifier();
    const first = session.signRequest(method, request, now);
    v.verify({ method, metadata: first.metadata, requestBytes: request, now, crls });
    const text = first.metadata["hutong-ticket"] ?? "";
    // base64url's last character carries spare bits unless the length is a multiple of 3 bytes;
    // setting one decodes to the same bytes, which a lax cache key would accept.
    const last = text.at(-1) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelt = text.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    const second = session.signRequest(method, request, now);
    const md = { ...second.metadata, "hutong-ticket": respelt };
    rejects(text.length % 4 === 0 ? "bad-ticket" : "malformed", () =>
      v.verify({ method, metadata: md, requestBytes: request, now, crls }),
    );
  });

  it("refuses a tampered MAC, method or body", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    const md = signed.metadata;
    rejects("bad-mac", () =>
      v.verify({
        method,
        metadata: { ...md, "hutong-mac": flipHex(md["hutong-mac"] ?? "") },
        requestBytes: request,
        now,
        crls,
      }),
    );
    rejects("bad-mac", () => v.verify({ method: "/x", metadata: md, requestBytes: request, now, crls }));
    rejects("bad-mac", () => v.verify({ method, metadata: md, requestBytes: response, now, crls }));
  });

  it("binds relay metadata to the request with the route MAC", () => {
    const v = verifier();
    const route = { origin: "prov:440000/ticketing", hops: "prov:440000,mot" };
    const signed = session.signRequest(method, request, now, route);
    const md = signed.metadata;
    const call = v.verify({ method, metadata: md, requestBytes: request, now, crls });
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

  it("refuses a replayed nonce", () => {
    const v = verifier();
    const signed = session.signRequest(method, request, now);
    v.verify({ method, metadata: signed.metadata, requestBytes: request, now, crls });
    rejects("replay", () => v.verify({ method, metadata: signed.metadata, requestBytes: request, now: now + 1, crls }));
  });

  it("refuses stale timestamps in both directions", () => {
    const v = verifier();
    const past = session.signRequest(method, request, now - 30_001);
    rejects("stale-timestamp", () => v.verify({ method, metadata: past.metadata, requestBytes: request, now, crls }));
    const future = session.signRequest(method, request, now + 30_001);
    rejects("stale-timestamp", () => v.verify({ method, metadata: future.metadata, requestBytes: request, now, crls }));
    const edge = session.signRequest(method, request, now - 30_000);
    v.verify({ method, metadata: edge.metadata, requestBytes: request, now, crls });
  });

  it("refuses a missing ticket, a foreign ticket and an expired ticket", () => {
    const signed = session.signRequest(method, request, now);
    const { "hutong-ticket": _, ...noTicket } = signed.metadata;
    rejects("no-session", () => verifier().verify({ method, metadata: noTicket, requestBytes: request, now, crls }));
    const foreign = createCallVerifier({ keyring: testKeyring(1, 9), replayWindow: createReplayWindow() });
    rejects("bad-ticket", () =>
      foreign.verify({ method, metadata: signed.metadata, requestBytes: request, now, crls }),
    );
    const late = now + 3_600_000;
    const lateCall = session.signRequest(method, request, late);
    rejects("ticket-expired", () =>
      verifier().verify({ method, metadata: lateCall.metadata, requestBytes: request, now: late, crls }),
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
        verifier().verify({ method, metadata: { ...signed.metadata, ...bad }, requestBytes: request, now, crls }),
      );
    }
  });

  it("refuses call metadata with any value missing", () => {
    const signed = session.signRequest(method, request, now);
    for (const key of ["hutong-ts", "hutong-nonce", "hutong-mac"] as const) {
      const { [key]: _, ...partial } = signed.metadata;
      assert.throws(
        () => verifier().verify({ method, metadata: partial, requestBytes: request, now, crls }),
        (e: unknown) => isSessionError(e, "malformed") && /incomplete/.test(e.message),
        key,
      );
    }
    const { "hutong-ticket": _, ...noTicket } = signed.metadata;
    rejects("no-session", () =>
      verifier().verify({ method, metadata: { ...noTicket, "hutong-ticket": "" }, requestBytes: request, now, crls }),
    );
  });

  it("with a one-ticket cache, alternating sessions still verify, replays and expiry still count", () => {
    const other = handshake().session;
    const v = createCallVerifier({
      keyring: testKeyring(),
      replayWindow: createReplayWindow(),
      openedTicketCacheSize: 1,
    });
    const calls = [session, other, session, other].map((s) => s.signRequest(method, request, now));
    for (const c of calls) v.verify({ method, metadata: c.metadata, requestBytes: request, now, crls });
    const [firstCall] = calls;
    assert.ok(firstCall !== undefined);
    rejects("replay", () => v.verify({ method, metadata: firstCall.metadata, requestBytes: request, now, crls }));
    // Cached or not, a ticket past its expiry is refused.
    const late = now + 3_600_000;
    for (const s of [other, session]) {
      const c = s.signRequest(method, request, late);
      rejects("ticket-expired", () =>
        v.verify({ method, metadata: c.metadata, requestBytes: request, now: late, crls }),
      );
    }
  });

  it("accepts tickets under the previous key after rotation, refuses older ones", () => {
    const k1 = { id: 1, fill: 7 };
    const onK1 = handshake(testServer({ keyring: testKeyring(k1.id, k1.fill) })).session;
    const rotated = createCallVerifier({ keyring: testKeyring(2, 8, k1), replayWindow: createReplayWindow() });
    const a = onK1.signRequest(method, request, now);
    rotated.verify({ method, metadata: a.metadata, requestBytes: request, now, crls });
    const twiceRotated = createCallVerifier({
      keyring: testKeyring(3, 9, { id: 2, fill: 8 }),
      replayWindow: createReplayWindow(),
    });
    const b = onK1.signRequest(method, request, now);
    rejects("bad-ticket", () =>
      twiceRotated.verify({ method, metadata: b.metadata, requestBytes: request, now, crls }),
    );
  });

  it("stops a session whose certificate is revoked mid-session", () => {
    const v = verifier();
    const revokedLater = [crlOf(pki.root, [{ cert: pki.client.cert, at: now + 10_000 }])];
    const first = session.signRequest(method, request, now);
    v.verify({ method, metadata: first.metadata, requestBytes: request, now, crls: revokedLater });
    const second = session.signRequest(method, request, now + 10_000);
    rejects("revoked", () =>
      v.verify({ method, metadata: second.metadata, requestBytes: request, now: now + 10_000, crls: revokedLater }),
    );
  });
});
