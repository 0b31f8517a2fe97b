import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCertsError } from "../error.js";
import { createSm2EphemeralKeyPool, generateSm2EphemeralKey, sm2Ecdh } from "./sm2-ecdh.js";
import { generateSm2PrivateKey } from "./sm2-key.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const used = (e: unknown) => isCertsError(e, "invalid-argument");

/** Waits until the pool holds `n` keys (it refills in the background), or fails after 5 s. */
async function filled(pool: { readonly ready: number }, n: number): Promise<void> {
  const until = Date.now() + 5000;
  while (pool.ready < n) {
    if (Date.now() > until) assert.fail(`the pool holds ${pool.ready} keys, not ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("createSm2EphemeralKeyPool", () => {
  it("hands out keys that agree with the peer, each a different key, never one twice", async () => {
    const pool = createSm2EphemeralKeyPool({ size: 4 });
    const peer = generateSm2PrivateKey();
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) {
      if (i > 0 && i % 6 === 0) await filled(pool, 4); // from a refilled pool, and straight after taking
      const key = pool.take();
      const point = hex(key.publicKey.point);
      assert.equal(seen.has(point), false, "a key was handed out twice");
      seen.add(point);
      const x = i % 2 === 0 ? key.agree(peer.publicKey) : await key.agreeAsync(peer.publicKey);
      assert.deepEqual(x, sm2Ecdh(peer, key.publicKey));
    }
    assert.equal(seen.size, 24);
  });

  it("refills itself after a key is taken, up to its size", async () => {
    const pool = createSm2EphemeralKeyPool({ size: 3 });
    assert.equal(pool.ready, 0, "nothing is made before the first take");
    pool.take();
    await filled(pool, 3);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.ready, 3, "never more than its size");
  });

  it("makes a key on the spot when it is empty", () => {
    const pool = createSm2EphemeralKeyPool({ size: 1 });
    const a = pool.take();
    const b = pool.take();
    assert.notEqual(hex(a.publicKey.point), hex(b.publicKey.point));
  });

  it("lets a key agree once: a second agreement, sync or async, is refused", async () => {
    const pool = createSm2EphemeralKeyPool({ size: 2 });
    const peer = generateSm2PrivateKey().publicKey;
    const a = pool.take();
    a.agree(peer);
    assert.throws(() => a.agree(peer), used);
    await assert.rejects(a.agreeAsync(peer), used);
    const b = pool.take();
    await b.agreeAsync(peer);
    assert.throws(() => b.agree(peer), used);
  });

  it("spends a key even when its agreement fails", () => {
    const pool = createSm2EphemeralKeyPool({ size: 1 });
    const key = pool.take();
    const bogus = { type: "sm2-public" as const, point: new Uint8Array(65).fill(4) };
    assert.throws(
      () => key.agree(bogus),
      (e: unknown) => isCertsError(e, "invalid-key"),
    );
    assert.throws(() => key.agree(generateSm2PrivateKey().publicKey), used);
  });
});

describe("Sm2EphemeralKey.agreeAsync", () => {
  it("agrees exactly as agree does, and refuses a point off the curve", async () => {
    const peer = generateSm2PrivateKey();
    const key = generateSm2EphemeralKey();
    assert.deepEqual(await key.agreeAsync(peer.publicKey), key.agree(peer.publicKey));
    const bogus = { type: "sm2-public" as const, point: new Uint8Array(65).fill(4) };
    await assert.rejects(key.agreeAsync(bogus), (e: unknown) => isCertsError(e, "invalid-key"));
  });
});
