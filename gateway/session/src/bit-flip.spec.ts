import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { requestMac, responseMac } from "./call-mac.js";
import { openCookie } from "./handshake-cookie.js";
import { isSessionError } from "./session-error.js";
import { openTicket } from "./session-ticket.js";
import { fixedNow, handshake, testKeyring } from "./testing-fixtures.js";

/** Property: any single-bit change to a sealed blob or a MAC input is refused. */
const numRuns = 100;
const now = fixedNow;

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = Math.floor(bit / 8) % copy.length;
  copy[i] = (copy[i] ?? 0) ^ (1 << (bit % 8));
  return copy;
}

const { serverFinish, awaiting, established } = await handshake();

describe("single-bit changes", () => {
  const keyring = testKeyring();
  const bit = (bytes: Uint8Array) => fc.nat({ max: bytes.length * 8 - 1 });

  it("to a ticket: bad-ticket", () => {
    fc.assert(
      fc.property(bit(serverFinish.ticket), (b) => {
        assert.throws(
          () => openTicket(keyring, flipBit(serverFinish.ticket, b), now),
          (e) => isSessionError(e, "bad-ticket"),
        );
      }),
      { numRuns },
    );
  });

  it("to a cookie: bad-cookie", () => {
    const cookie = awaiting.clientFinish.cookie;
    fc.assert(
      fc.property(bit(cookie), (b) => {
        assert.throws(
          () => openCookie(keyring, flipBit(cookie, b), now),
          (e) => isSessionError(e, "bad-cookie"),
        );
      }),
      { numRuns },
    );
  });

  it("to the ticket, expiry or server-finished a client receives: bad-mac", () => {
    const complete = (sf: typeof serverFinish) => () => awaiting.complete(sf);
    fc.assert(
      fc.property(bit(serverFinish.ticket), fc.nat({ max: 52 }), bit(serverFinish.serverFinished), (tb, eb, fb) => {
        const expiresAt = Number(BigInt(serverFinish.expiresAt) ^ (1n << BigInt(eb)));
        for (const sf of [
          { ...serverFinish, ticket: flipBit(serverFinish.ticket, tb) },
          { ...serverFinish, expiresAt },
          { ...serverFinish, serverFinished: flipBit(serverFinish.serverFinished, fb) },
        ]) {
          assert.throws(complete(sf), (e) => isSessionError(e, "bad-mac"));
        }
      }),
      { numRuns },
    );
  });

  it("to any request-MAC or response-MAC input: a different MAC", () => {
    const { c2s, s2c } = established.keys;
    const nonce = new Uint8Array(16).fill(3);
    const body = new TextEncoder().encode("some request body");
    const method = "/hutong.v1.TicketService/VerifyTicket";
    const reqMac = requestMac(c2s, method, now, nonce, body);
    const resMac = responseMac(s2c, method, nonce, body);
    fc.assert(
      fc.property(fc.nat({ max: 16 * 8 - 1 }), bit(body), fc.nat({ max: 52 }), (nb, bb, tb) => {
        const differs = (a: Uint8Array, b: Uint8Array) => !Buffer.from(a).equals(Buffer.from(b));
        assert.ok(differs(requestMac(c2s, method, now, flipBit(nonce, nb), body), reqMac));
        assert.ok(differs(requestMac(c2s, method, now, nonce, flipBit(body, bb)), reqMac));
        assert.ok(differs(requestMac(c2s, method, Number(BigInt(now) ^ (1n << BigInt(tb))), nonce, body), reqMac));
        assert.ok(differs(requestMac(flipBit(c2s, nb), method, now, nonce, body), reqMac));
        assert.ok(differs(responseMac(s2c, method, flipBit(nonce, nb), body), resMac));
        assert.ok(differs(responseMac(s2c, method, nonce, flipBit(body, bb)), resMac));
      }),
      { numRuns },
    );
  });
});
