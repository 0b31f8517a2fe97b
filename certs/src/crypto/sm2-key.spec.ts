import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCertsError } from "../error.js";
import { toHex } from "../testing/vectors.js";
import { bigintToBytes32, bytesToBigint, isOnSm2Curve, sm2Curve } from "./sm2-curve.js";
import { createSm2PublicKey, exportSm2PrivateScalar, generateSm2PrivateKey, type Sm2PrivateKey } from "./sm2-key.js";

const invalidKey = (e: unknown) => isCertsError(e, "invalid-key");

/** The compressed SEC1 form of an uncompressed point: 02/03 by the parity of y, then x. */
function compress(point: Uint8Array): Uint8Array {
  const y = point[64];
  assert.ok(y !== undefined);
  return Uint8Array.from([y & 1 ? 3 : 2, ...point.subarray(1, 33)]);
}

describe("SM2 curve arithmetic helpers", () => {
  it("bytesToBigint reads big-endian, and no bytes is zero", () => {
    assert.equal(bytesToBigint(new Uint8Array(0)), 0n);
    assert.equal(bytesToBigint(Uint8Array.of(1, 0)), 256n);
    assert.equal(bytesToBigint(bigintToBytes32(sm2Curve.n)), sm2Curve.n);
  });

  it("isOnSm2Curve: G is, its neighbours are not, nor coordinates outside [0, p)", () => {
    assert.equal(isOnSm2Curve(sm2Curve.gx, sm2Curve.gy), true);
    assert.equal(isOnSm2Curve(sm2Curve.gx, sm2Curve.gy + 1n), false);
    // (x + p, y) satisfies the equation mod p, but is not a reduced coordinate.
    assert.equal(isOnSm2Curve(sm2Curve.gx + sm2Curve.p, sm2Curve.gy), false);
    assert.equal(isOnSm2Curve(sm2Curve.gx, sm2Curve.gy + sm2Curve.p), false);
    assert.equal(isOnSm2Curve(-sm2Curve.gx, sm2Curve.gy), false);
    assert.equal(isOnSm2Curve(sm2Curve.gx, sm2Curve.gy - sm2Curve.p), false);
  });
});

describe("createSm2PublicKey", () => {
  it("imports a compressed point as the same uncompressed point, for either parity of y", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 16 && seen.size < 2; i++) {
      const { point } = generateSm2PrivateKey().publicKey;
      const compressed = compress(point);
      seen.add(compressed[0] ?? 0);
      assert.equal(toHex(createSm2PublicKey(compressed).point), toHex(point));
    }
    assert.deepEqual([...seen].sort(), [2, 3]);
  });

  it("refuses a compressed x with no point on the curve, and every other shape", () => {
    // x = 2 gives y² = 8 + 2a + b, not a square mod p; x = p is not a field element.
    for (const x of [2n, sm2Curve.p]) {
      assert.throws(() => createSm2PublicKey(Uint8Array.from([2, ...bigintToBytes32(x)])), invalidKey);
    }
    const { point } = generateSm2PrivateKey().publicKey;
    const compressed = compress(point);
    for (const bad of [
      Uint8Array.from([4, ...compressed.subarray(1)]), // 33 bytes, prefix 04
      Uint8Array.from([2, ...point.subarray(1)]), // 65 bytes, prefix 02
      Uint8Array.from([1, ...point.subarray(1)]),
      point.subarray(0, 64),
      new Uint8Array(0),
    ]) {
      assert.throws(() => createSm2PublicKey(bad), invalidKey, toHex(bad));
    }
  });
});

describe("exportSm2PrivateScalar", () => {
  it("refuses a look-alike object that this module did not make", () => {
    const real = generateSm2PrivateKey();
    const forged: Sm2PrivateKey = { type: "sm2-private", publicKey: real.publicKey };
    assert.throws(
      () => exportSm2PrivateScalar(forged),
      (e) => isCertsError(e, "invalid-argument"),
    );
    assert.equal(exportSm2PrivateScalar(real).length, 32);
  });
});
