import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFields, u64be, utf8 } from "./canonical-encoding.js";
import { labels } from "./protocol-constants.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { encodeTicketPlaintext, openTicket, type SessionTicketState, sealTicket } from "./session-ticket.js";
import { fixedNow, testKeyring } from "./testing-fixtures.js";

const state: SessionTicketState = {
  sessionId: new Uint8Array(16).fill(1),
  clientParty: "prov:510000",
  certSerial: Uint8Array.of(0x8f, 0x01),
  issuerNameHash: new Uint8Array(32).fill(2),
  c2s: new Uint8Array(32).fill(3),
  s2c: new Uint8Array(32).fill(4),
  issuedAt: fixedNow,
  expiresAt: fixedNow + 3_600_000,
  protection: "sm4",
  c2sEnc: new Uint8Array(16).fill(5),
  s2cEnc: new Uint8Array(16).fill(6),
};
const fails = (code: SessionErrorCode, message?: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, code), `expected SessionError ${code}, got ${String(e)}`);
  if (message !== undefined) assert.match(e.message, message);
  return true;
};

/** The ticket fields in order, as bytes, to seal a variant the server would never write. */
function fields(overrides: Partial<Record<number, Uint8Array>> = {}): Uint8Array[] {
  const base = [
    Uint8Array.of(2),
    state.sessionId,
    utf8(state.clientParty),
    state.certSerial,
    state.issuerNameHash,
    state.c2s,
    state.s2c,
    u64be(state.issuedAt),
    u64be(state.expiresAt),
    Uint8Array.of(2),
    state.c2sEnc,
    state.s2cEnc,
  ];
  return base.map((f, i) => overrides[i] ?? f);
}

describe("session tickets", () => {
  const keyring = testKeyring();

  it("round-trip every field, and are opaque: the plaintext appears nowhere in the ticket", () => {
    const ticket = sealTicket(keyring, state);
    assert.deepEqual(openTicket(keyring, ticket, fixedNow), state);
    const plain = { ...state, protection: "plaintext" as const };
    assert.deepEqual(openTicket(keyring, sealTicket(keyring, plain), fixedNow), plain);
    const plaintext = Buffer.from(encodeTicketPlaintext(state));
    assert.equal(Buffer.from(ticket).indexOf(plaintext.subarray(0, 24)), -1);
    assert.equal(Buffer.from(ticket).indexOf(Buffer.from(state.clientParty)), -1);
  });

  it("expire at expiresAt exactly, not a millisecond later", () => {
    const ticket = sealTicket(keyring, state);
    assert.equal(openTicket(keyring, ticket, state.expiresAt - 1).clientParty, state.clientParty);
    assert.throws(() => openTicket(keyring, ticket, state.expiresAt), fails("ticket-expired"));
  });

  it("refuse authenticated plaintext of another format as bad-ticket", () => {
    const seal = (f: Uint8Array[]) => keyring.seal(labels.ticketAad, encodeFields(f));
    for (const [why, variant] of [
      ["format 1 (revision 2)", fields({ 0: Uint8Array.of(1) })],
      ["two-byte format", fields({ 0: Uint8Array.of(2, 0) })],
      ["short c2s key", fields({ 5: new Uint8Array(31) })],
      ["long s2c key", fields({ 6: new Uint8Array(33) })],
      ["unknown protection", fields({ 9: Uint8Array.of(3) })],
      ["absent protection", fields({ 9: Uint8Array.of(0) })],
      ["two-byte protection", fields({ 9: Uint8Array.of(2, 2) })],
      ["short c2s encryption key", fields({ 10: new Uint8Array(15) })],
      ["long s2c encryption key", fields({ 11: new Uint8Array(17) })],
    ] as const) {
      assert.throws(
        () => openTicket(keyring, seal([...variant]), fixedNow),
        fails("bad-ticket", /unknown ticket format/),
        why,
      );
    }
    assert.throws(
      () => openTicket(keyring, seal(fields().slice(0, 9)), fixedNow),
      fails("bad-ticket", /expected 12 fields/),
    );
    assert.throws(
      () => openTicket(keyring, seal(fields({ 2: Uint8Array.of(0xff) })), fixedNow),
      fails("bad-ticket", /UTF-8/),
    );
    assert.throws(
      () => openTicket(keyring, seal(fields({ 8: Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0) })), fixedNow),
      fails("bad-ticket", /out of range/),
    );
    assert.throws(
      () => openTicket(keyring, seal(fields({ 7: Uint8Array.of(1) })), fixedNow),
      fails("bad-ticket", /8-byte/),
    );
  });

  it("a cookie sealed by the same keyring is not a ticket", () => {
    const cookieLike = keyring.seal(labels.cookieAad, encodeTicketPlaintext(state));
    assert.throws(() => openTicket(keyring, cookieLike, fixedNow), fails("bad-ticket"));
  });
});
