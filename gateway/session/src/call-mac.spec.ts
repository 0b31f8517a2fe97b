import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestMac, responseMac, routeMac } from "./call-mac.js";
import { defaultLimits } from "./protocol-constants.js";
import { isSessionError } from "./session-error.js";

const key = new Uint8Array(32).fill(3);
const otherKey = new Uint8Array(32).fill(4);
const nonce = new Uint8Array(16).fill(9);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const malformed = (message: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, "malformed"), `expected SessionError malformed, got ${String(e)}`);
  assert.match(e.message, message);
  return true;
};

describe("per-call MACs", () => {
  it("the request MAC changes with every one of its inputs", () => {
    const base = { key, method: "/hutong.v1.Ticket/Get", ts: 1_780_000_000_000, nonce, body: Buffer.from("req") };
    const mac = (o: typeof base) => hex(requestMac(o.key, o.method, o.ts, o.nonce, o.body));
    const reference = mac(base);
    const variants = [
      { ...base, key: otherKey },
      { ...base, method: "/hutong.v1.Ticket/List" },
      { ...base, ts: base.ts + 1 },
      { ...base, nonce: Uint8Array.from(nonce, (b, i) => (i === 15 ? b ^ 1 : b)) },
      { ...base, body: Buffer.from("reQ") },
      { ...base, body: Buffer.alloc(0) },
    ];
    const macs = new Set([reference, ...variants.map(mac)]);
    assert.equal(macs.size, variants.length + 1);
    assert.equal(mac(base), reference, "deterministic");
  });

  it("the response MAC binds method, request nonce and response bytes, under its own label", () => {
    const body = Buffer.from("resp");
    const reference = hex(responseMac(key, "/a.B/C", nonce, body));
    assert.notEqual(hex(responseMac(key, "/a.B/D", nonce, body)), reference);
    assert.notEqual(hex(responseMac(key, "/a.B/C", new Uint8Array(16), body)), reference);
    assert.notEqual(hex(responseMac(key, "/a.B/C", nonce, Buffer.from("resp!"))), reference);
    assert.notEqual(hex(responseMac(otherKey, "/a.B/C", nonce, body)), reference);
  });

  it("refuses methods that cannot be framed: empty, with a NUL, or too long", () => {
    for (const method of ["", "/a.B/C\0x", "\0"]) {
      assert.throws(() => requestMac(key, method, 0, nonce, new Uint8Array(0)), malformed(/invalid method name/));
    }
    const longest = `/${"m".repeat(defaultLimits.maxMethodBytes - 1)}`;
    assert.equal(requestMac(key, longest, 0, nonce, new Uint8Array(0)).length, 32);
    // The bound is in UTF-8 bytes: 512 two-byte characters are 1,024 bytes, one more is too many.
    assert.equal(responseMac(key, "é".repeat(512), nonce, new Uint8Array(0)).length, 32);
    assert.throws(() => responseMac(key, "é".repeat(513), nonce, new Uint8Array(0)), malformed(/too long/));
    assert.throws(() => requestMac(key, `${longest}m`, 0, nonce, new Uint8Array(0)), malformed(/too long/));
  });

  it("stays correct past the method-input cache's bound of 256 methods", () => {
    const first = hex(requestMac(key, "/m.S/0", 1, nonce, Buffer.from("x")));
    for (let i = 0; i < 600; i++) requestMac(key, `/m.S/${i}`, 1, nonce, Buffer.from("x"));
    assert.equal(hex(requestMac(key, "/m.S/0", 1, nonce, Buffer.from("x"))), first);
    assert.throws(() => requestMac(key, "/m.S/\0", 1, nonce, Buffer.from("x")), malformed(/invalid method name/));
  });

  it("refuses nonces that are not 16 bytes, in every MAC", () => {
    for (const n of [new Uint8Array(0), new Uint8Array(15), new Uint8Array(17)]) {
      assert.throws(() => requestMac(key, "/a.B/C", 0, n, new Uint8Array(0)), malformed(/nonce must be 16 bytes/));
      assert.throws(() => responseMac(key, "/a.B/C", n, new Uint8Array(0)), malformed(/nonce must be 16 bytes/));
      assert.throws(() => routeMac(key, n, "prov:510000", "mot"), malformed(/nonce must be 16 bytes/));
    }
  });

  it("the route MAC binds origin and hops apart, and refuses a NUL in either", () => {
    const reference = hex(routeMac(key, nonce, "prov:510000", "mot"));
    // Moving the boundary between origin and hops changes the MAC.
    assert.notEqual(hex(routeMac(key, nonce, "prov:510000m", "ot")), reference);
    assert.notEqual(hex(routeMac(key, nonce, "prov:51000", "0mot")), reference);
    assert.notEqual(hex(routeMac(key, new Uint8Array(16), "prov:510000", "mot")), reference);
    assert.throws(() => routeMac(key, nonce, "prov:510000\0", "mot"), malformed(/NUL in relay metadata/));
    assert.throws(() => routeMac(key, nonce, "prov:510000", "mot\0prov:440000"), malformed(/NUL/));
  });
});
