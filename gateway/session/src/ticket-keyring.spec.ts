import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labels } from "./protocol-constants.js";
import { isSessionError } from "./session-error.js";
import { testKeyring } from "./testing-fixtures.js";
import { createTicketKeyring } from "./ticket-keyring.js";

const secret = (fill: number) => new Uint8Array(32).fill(fill);
const invalidConfig = (message: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, "invalid-config"), `expected SessionError invalid-config, got ${String(e)}`);
  assert.match(e.message, message);
  return true;
};
const refused = (e: unknown) => isSessionError(e, "bad-ticket");
const plaintext = new TextEncoder().encode("session state");

describe("ticket keyring", () => {
  it("refuses key ids outside 0..255, secrets that are not 32 bytes, and one id for two keys", () => {
    for (const id of [-1, 256, 1.5, Number.NaN]) {
      assert.throws(
        () => createTicketKeyring({ current: { id, secret: secret(1) } }),
        invalidConfig(/current ticket key id/),
      );
      assert.throws(
        () => createTicketKeyring({ current: { id: 1, secret: secret(1) }, previous: { id, secret: secret(2) } }),
        invalidConfig(/previous ticket key id/),
      );
    }
    for (const length of [0, 16, 31, 33]) {
      assert.throws(
        () => createTicketKeyring({ current: { id: 1, secret: new Uint8Array(length) } }),
        invalidConfig(/current ticket key must be 32 bytes/),
      );
    }
    assert.throws(
      () => createTicketKeyring({ current: { id: 3, secret: secret(1) }, previous: { id: 3, secret: secret(2) } }),
      invalidConfig(/previous ticket key needs an id of its own/),
    );
    assert.throws(
      () =>
        createTicketKeyring({
          current: { id: 3, secret: secret(1) },
          previous: { id: 4, secret: secret(2) },
          next: { id: 4, secret: secret(3) },
        }),
      invalidConfig(/next ticket key needs an id of its own/),
    );
    assert.equal(createTicketKeyring({ current: { id: 0, secret: secret(1) } }).currentId, 0);
    assert.equal(createTicketKeyring({ current: { id: 255, secret: secret(1) } }).currentId, 255);
  });

  it("opens under the current or the previous key; a key rotated out twice is forgotten", () => {
    const k1 = testKeyring(1, 7);
    const sealedUnder1 = k1.seal(labels.ticketAad, plaintext);
    assert.equal(sealedUnder1[0], 1, "the key id is the first byte");
    const k2 = testKeyring(2, 8, { id: 1, fill: 7 });
    assert.deepEqual(k2.open(labels.ticketAad, sealedUnder1, "bad-ticket"), plaintext);
    const sealedUnder2 = k2.seal(labels.ticketAad, plaintext);
    assert.equal(sealedUnder2[0], 2);
    const k3 = testKeyring(3, 9, { id: 2, fill: 8 });
    assert.deepEqual(k3.open(labels.ticketAad, sealedUnder2, "bad-ticket"), plaintext);
    assert.throws(() => k3.open(labels.ticketAad, sealedUnder1, "bad-ticket"), refused);
  });

  it("refuses the empty blob, an unknown key id, a relabelled prefix, another label and any flipped bit", () => {
    const keyring = testKeyring(1, 7, { id: 2, fill: 8 });
    const sealed = keyring.seal(labels.ticketAad, plaintext);
    assert.throws(() => keyring.open(labels.ticketAad, new Uint8Array(0), "bad-ticket"), refused);
    assert.throws(
      () => keyring.open(labels.ticketAad, Uint8Array.from([9, ...sealed.subarray(1)]), "bad-ticket"),
      refused,
    );
    // The key id is in the AAD: pointing the prefix at the other known key does not authenticate.
    assert.throws(
      () => keyring.open(labels.ticketAad, Uint8Array.from([2, ...sealed.subarray(1)]), "bad-ticket"),
      refused,
    );
    // A ticket is not a cookie: the label is in the AAD.
    assert.throws(
      () => keyring.open(labels.cookieAad, sealed, "bad-cookie"),
      (e) => isSessionError(e, "bad-cookie"),
    );
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 0x10;
      assert.throws(() => keyring.open(labels.ticketAad, bad, "bad-ticket"), refused, `byte ${i}`);
    }
    assert.throws(() => keyring.open(labels.ticketAad, sealed.subarray(0, 40), "bad-ticket"), refused);
    // A keyring with the same id but another secret: a foreign gateway's ticket.
    assert.throws(() => testKeyring(1, 99).open(labels.ticketAad, sealed, "bad-ticket"), refused);
  });

  it("opens under a next key without sealing under it, so a rotation's first step breaks nothing", () => {
    const before = testKeyring(1, 7);
    const staged = createTicketKeyring({ current: { id: 1, secret: secret(7) }, next: { id: 2, secret: secret(8) } });
    const rotated = testKeyring(2, 8, { id: 1, fill: 7 });
    // A replica still on the first step seals under 1; one already rotated seals under 2: both open everywhere staged.
    assert.equal(staged.seal(labels.ticketAad, plaintext)[0], 1, "next is never sealed under");
    assert.deepEqual(staged.open(labels.ticketAad, rotated.seal(labels.ticketAad, plaintext), "bad-ticket"), plaintext);
    assert.deepEqual(rotated.open(labels.ticketAad, staged.seal(labels.ticketAad, plaintext), "bad-ticket"), plaintext);
    // Without the staging step, a replica not yet rotated refuses the rotated one's tickets.
    assert.throws(
      () => before.open(labels.ticketAad, rotated.seal(labels.ticketAad, plaintext), "bad-ticket"),
      refused,
    );
  });

  it("update swaps the keys in place, and a bad set leaves the old ones working", () => {
    const keyring = createTicketKeyring({ current: { id: 1, secret: secret(7) } });
    const under1 = keyring.seal(labels.ticketAad, plaintext);
    assert.equal(keyring.accepts(1), true);
    assert.equal(keyring.accepts(2), false);
    assert.throws(
      () => keyring.update({ current: { id: 2, secret: new Uint8Array(5) } }),
      invalidConfig(/current ticket key must be 32 bytes/),
    );
    assert.equal(keyring.currentId, 1, "a refused update changes nothing");
    keyring.update({ current: { id: 2, secret: secret(8) }, previous: { id: 1, secret: secret(7) } });
    assert.equal(keyring.currentId, 2);
    assert.equal(keyring.seal(labels.ticketAad, plaintext)[0], 2);
    assert.deepEqual(keyring.open(labels.ticketAad, under1, "bad-ticket"), plaintext);
    keyring.update({ current: { id: 2, secret: secret(8) } });
    assert.equal(keyring.accepts(1), false);
    assert.throws(() => keyring.open(labels.ticketAad, under1, "bad-ticket"), refused);
  });
});
