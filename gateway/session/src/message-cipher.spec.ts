import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createMessageCipher } from "./message-cipher.js";
import { isSessionError } from "./session-error.js";

const key = new Uint8Array(16).fill(9);
const nonce = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("message cipher", () => {
  it("is SM4-CTR from the nonce, length-preserving, its own inverse", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (message) => {
        const sealed = createMessageCipher("sm4", key, nonce).next(message);
        assert.equal(sealed.length, message.length);
        assert.equal(hex(createMessageCipher("sm4", key, nonce).next(sealed)), hex(message));
        const reference = createCipheriv("sm4-ctr", key, nonce).update(message);
        assert.equal(hex(sealed), hex(reference));
      }),
      { numRuns: 50 },
    );
  });

  it("runs one keystream over the messages of a direction, whatever their sizes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (messages) => {
        const cipher = createMessageCipher("sm4", key, nonce);
        const pieces = messages.map((m) => cipher.next(m));
        const whole = createMessageCipher("sm4", key, nonce).next(Buffer.concat(messages));
        assert.equal(hex(Buffer.concat(pieces)), hex(whole));
      }),
      { numRuns: 50 },
    );
  });

  it("passes plaintext through unchanged, the same bytes", () => {
    const message = Uint8Array.of(1, 2, 3);
    assert.equal(createMessageCipher("plaintext", new Uint8Array(0), new Uint8Array(0)).next(message), message);
  });

  it("refuses a key that is not 16 bytes and a nonce that is not 16 bytes", () => {
    assert.throws(
      () => createMessageCipher("sm4", new Uint8Array(32), nonce),
      (e) => isSessionError(e, "invalid-config"),
    );
    assert.throws(
      () => createMessageCipher("sm4", key, new Uint8Array(12)),
      (e) => isSessionError(e, "malformed"),
    );
  });

  it("an empty message costs nothing and stays empty", () => {
    assert.equal(createMessageCipher("sm4", key, nonce).next(new Uint8Array(0)).length, 0);
  });
});
