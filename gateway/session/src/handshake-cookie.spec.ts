import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateSm2PrivateKey, isCertsError } from "@hutong/certs";
import { encodeFields, u64be, utf8 } from "./canonical-encoding.js";
import { type CookieState, clientPublicKey, openCookie, sealCookie } from "./handshake-cookie.js";
import { labels } from "./protocol-constants.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { fixedNow, testKeyring } from "./testing-fixtures.js";

const state: CookieState = {
  h2: new Uint8Array(32).fill(1),
  master: new Uint8Array(32).fill(2),
  clientPublicKey: generateSm2PrivateKey().publicKey,
  clientParty: "prov:510000",
  certSerial: Uint8Array.of(5),
  issuerNameHash: new Uint8Array(32).fill(3),
  certNotAfter: fixedNow + 86_400_000,
  expiresAt: fixedNow + 30_000,
  protection: "sm4",
};
const fails = (code: SessionErrorCode, message?: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, code), `expected SessionError ${code}, got ${String(e)}`);
  if (message !== undefined) assert.match(e.message, message);
  return true;
};

function fields(overrides: Partial<Record<number, Uint8Array>> = {}): Uint8Array[] {
  const base = [
    Uint8Array.of(2),
    state.h2,
    state.master,
    state.clientPublicKey.point,
    utf8(state.clientParty),
    state.certSerial,
    state.issuerNameHash,
    u64be(state.certNotAfter),
    u64be(state.expiresAt),
    Uint8Array.of(2),
  ];
  return base.map((f, i) => overrides[i] ?? f);
}

describe("handshake cookies", () => {
  const keyring = testKeyring();

  it("round-trip the half-open state, until expiresAt exactly", () => {
    const cookie = sealCookie(keyring, state);
    const opened = openCookie(keyring, cookie, state.expiresAt - 1);
    assert.deepEqual(opened, state);
    const plain = { ...state, protection: "plaintext" as const };
    assert.deepEqual(openCookie(keyring, sealCookie(keyring, plain), fixedNow), plain);
    assert.throws(() => openCookie(keyring, cookie, state.expiresAt), fails("cookie-expired"));
    // Another gateway's keyring (same id, other secret) cannot open it.
    assert.throws(() => openCookie(testKeyring(1, 42), cookie, fixedNow), fails("bad-cookie"));
  });

  it("refuse authenticated plaintext of another format as bad-cookie", () => {
    const seal = (f: Uint8Array[]) => keyring.seal(labels.cookieAad, encodeFields(f));
    for (const [why, variant] of [
      ["format 1 (revision 2)", fields({ 0: Uint8Array.of(1) })],
      ["empty format", fields({ 0: new Uint8Array(0) })],
      ["unknown protection", fields({ 9: Uint8Array.of(9) })],
      ["empty protection", fields({ 9: new Uint8Array(0) })],
      ["short h2", fields({ 1: new Uint8Array(31) })],
      ["long master", fields({ 2: new Uint8Array(33) })],
    ] as const) {
      assert.throws(
        () => openCookie(keyring, seal([...variant]), fixedNow),
        fails("bad-cookie", /unknown cookie format/),
        why,
      );
    }
    assert.throws(
      () => openCookie(keyring, seal(fields().slice(1)), fixedNow),
      fails("bad-cookie", /expected 10 fields/),
    );
    assert.throws(
      () => openCookie(keyring, seal(fields({ 4: Uint8Array.of(0xc3) })), fixedNow),
      fails("bad-cookie", /UTF-8/),
    );
    assert.throws(
      () => openCookie(keyring, seal(fields({ 7: new Uint8Array(8).fill(0xff) })), fixedNow),
      fails("bad-cookie", /out of range/),
    );
  });

  it("a ticket sealed by the same keyring is not a cookie", () => {
    const ticketLike = keyring.seal(labels.ticketAad, encodeFields(fields()));
    assert.throws(() => openCookie(keyring, ticketLike, fixedNow), fails("bad-cookie"));
  });
});

describe("clientPublicKey (the cookie's key cache)", () => {
  it("gives one key object per point, a different one for another point, and refuses what is not a point", () => {
    const a = generateSm2PrivateKey().publicKey;
    const b = generateSm2PrivateKey().publicKey;
    const first = clientPublicKey(new Uint8Array(a.point));
    assert.equal(clientPublicKey(new Uint8Array(a.point)), first);
    assert.deepEqual(first.point, a.point);
    const other = clientPublicKey(b.point);
    assert.notEqual(other, first);
    assert.deepEqual(other.point, b.point);
    const offCurve = new Uint8Array(a.point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    assert.throws(
      () => clientPublicKey(offCurve),
      (e: unknown) => isCertsError(e, "invalid-key"),
    );
    assert.throws(
      () => clientPublicKey(offCurve),
      (e: unknown) => isCertsError(e, "invalid-key"),
    );
  });
});
