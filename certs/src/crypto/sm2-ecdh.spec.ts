import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm2 } from "sm-crypto";
import { CertsError } from "../error.js";
import { isNativeBackendAvailable } from "./native-backend.js";
import { getSm2Backend } from "./sm2-backend-registry.js";
import { bytesToBigint, sm2Curve } from "./sm2-curve.js";
import { generateSm2EphemeralKey, sm2Ecdh, sm2EphemeralKeyFrom } from "./sm2-ecdh.js";
import { exportSm2PrivateScalar, generateSm2PrivateKey } from "./sm2-key.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("sm2Ecdh", () => {
  it("gives both sides the same 32-byte secret, and different pairs different secrets", () => {
    const a = generateSm2PrivateKey();
    const b = generateSm2PrivateKey();
    const c = generateSm2PrivateKey();
    const ab = sm2Ecdh(a, b.publicKey);
    assert.equal(ab.length, 32);
    assert.deepEqual(ab, sm2Ecdh(b, a.publicKey));
    assert.notDeepEqual(ab, sm2Ecdh(a, c.publicKey));
  });

  it("equals the x-coordinate of (a·b mod n)·G computed by sm-crypto, an independent implementation", () => {
    const a = generateSm2PrivateKey();
    const b = generateSm2PrivateKey();
    const ab = (bytesToBigint(exportSm2PrivateScalar(a)) * bytesToBigint(exportSm2PrivateScalar(b))) % sm2Curve.n;
    // Present in sm-crypto 0.3, missing from its @types.
    const derive = (sm2 as unknown as { getPublicKeyFromPrivateKey(d: string): string }).getPublicKeyFromPrivateKey;
    const point = derive(ab.toString(16).padStart(64, "0"));
    assert.equal(hex(sm2Ecdh(a, b.publicKey)), point.slice(2, 66));
  });
});

describe("backend ECDH", () => {
  it("native (EC_POINT_mul) and js (node:crypto computeSecret) agree", (t) => {
    if (!isNativeBackendAvailable()) return t.skip("native addon not built");
    const [js, native] = [getSm2Backend("js"), getSm2Backend("native")];
    for (let i = 0; i < 5; i++) {
      const a = generateSm2PrivateKey();
      const b = generateSm2PrivateKey();
      const d = exportSm2PrivateScalar(a);
      assert.deepEqual(native.ecdh(d, b.publicKey.point), js.ecdh(d, b.publicKey.point));
    }
  });

  it("both refuse a point off the curve, and native refuses a zero scalar", (t) => {
    const offCurve = new Uint8Array(65).fill(7);
    offCurve[0] = 4;
    const d = exportSm2PrivateScalar(generateSm2PrivateKey());
    assert.throws(() => getSm2Backend("js").ecdh(d, offCurve));
    if (!isNativeBackendAvailable()) return t.skip("native addon not built");
    const native = getSm2Backend("native");
    assert.throws(() => native.ecdh(d, offCurve), /peer point rejected/);
    assert.throws(() => native.ecdh(new Uint8Array(32), generateSm2PrivateKey().publicKey.point), /rejected/);
    assert.throws(() => native.ecdh(d.subarray(1), offCurve), /32-byte scalar/);
  });
});

describe("Sm2EphemeralKey", () => {
  it("agrees with the peer's sm2Ecdh, and each generated key is fresh", () => {
    const peer = generateSm2PrivateKey();
    const e1 = generateSm2EphemeralKey();
    const e2 = generateSm2EphemeralKey();
    assert.notDeepEqual(e1.publicKey.point, e2.publicKey.point);
    assert.deepEqual(e1.agree(peer.publicKey), sm2Ecdh(peer, e1.publicKey));
    assert.notDeepEqual(e1.agree(peer.publicKey), e2.agree(peer.publicKey));
  });

  it("agrees for every generated key, including the 1 in 256 whose scalar starts with a zero byte", () => {
    // node:crypto hands such a scalar back 31 bytes long; 1,500 keys meet one 997 times in 1,000.
    const peer = generateSm2PrivateKey();
    for (let i = 0; i < 1500; i++) {
      const e = generateSm2EphemeralKey();
      assert.deepEqual(e.agree(peer.publicKey), sm2Ecdh(peer, e.publicKey));
    }
  });

  it("made from a fixed private key is deterministic and matches sm2Ecdh", () => {
    const fixed = generateSm2PrivateKey();
    const peer = generateSm2PrivateKey();
    const e = sm2EphemeralKeyFrom(fixed);
    assert.deepEqual(e.publicKey, fixed.publicKey);
    assert.deepEqual(e.agree(peer.publicKey), sm2Ecdh(fixed, peer.publicKey));
  });

  it("refuses a peer point that is not on the curve with CertsError(invalid-key)", () => {
    const e = generateSm2EphemeralKey();
    const bogus = { type: "sm2-public" as const, point: new Uint8Array(65).fill(7) };
    bogus.point[0] = 4;
    assert.throws(
      () => e.agree(bogus),
      (err: unknown) => err instanceof CertsError && err.code === "invalid-key",
    );
  });
});
