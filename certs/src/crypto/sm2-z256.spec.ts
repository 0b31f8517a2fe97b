// Differential tests of the addon's own SM2 point arithmetic (certs/native/sm2_z256.c) against
// OpenSSL (node:crypto's ECDH on the same curve) and sm-crypto, through test-only addon entry
// points. Scalar-multiplication identities used as oracles: k·(q·G) = (k·q mod n)·G and
// u1·G + u2·(q·G) = (u1 + u2·q mod n)·G, each side computed by a different implementation.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { sm2 } from "sm-crypto";
import { isNativeBackendAvailable } from "./native-backend.js";
import { getSm2Backend } from "./sm2-backend-registry.js";
import { bigintToBytes32, bytesToBigint, sm2Curve } from "./sm2-curve.js";

interface Z256 {
  z256MulBase(k: Uint8Array): Buffer | null;
  z256MulPoint(k: Uint8Array, point: Uint8Array): Buffer | null;
  z256MulDouble(u1: Uint8Array, u2: Uint8Array, point: Uint8Array): Buffer | null;
}

const native = isNativeBackendAvailable();
const addon = native ? (createRequire(import.meta.url)("../../build/Release/hutong_sm2.node") as Z256) : undefined;
const skip = !native || typeof addon?.z256MulBase !== "function" ? "native addon without z256 entry points" : false;

const { n, p } = sm2Curve;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const b32 = bigintToBytes32;
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function randomScalar(): bigint {
  for (;;) {
    const k = bytesToBigint(randomBytes(32));
    if (k >= 1n && k < n) return k;
  }
}

/** k·G (uncompressed, 65 bytes) by OpenSSL; k in [1, n-1]. */
function opensslMulBase(k: bigint): Buffer {
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(b32(k));
  return ecdh.getPublicKey();
}

/** x-coordinate of k·P by OpenSSL's ECDH; k in [1, n-1]. */
function opensslEcdhX(k: bigint, point: Uint8Array): Buffer {
  const ecdh = createECDH("SM2");
  ecdh.setPrivateKey(b32(k));
  return ecdh.computeSecret(point);
}

const derive = (sm2 as unknown as { getPublicKeyFromPrivateKey(d: string): string }).getPublicKeyFromPrivateKey;

/** x || y as the z256 entry points return it, from a 65-byte point. */
const xy = (point: Uint8Array) => hex(point.subarray(1));
const G = opensslMulBase(1n);
const negate = (point: Uint8Array) =>
  Buffer.concat([point.subarray(0, 33), b32(mod(-bytesToBigint(point.subarray(33)), p))]);
const minusG = negate(G);

/** Edge scalars: small values, values near n and near 2^k, long runs of 0 and 1 bits. */
function edgeScalars(): bigint[] {
  const out = new Set<bigint>();
  for (let i = 1n; i <= 40n; i++) {
    out.add(i);
    out.add(n - i);
  }
  for (let k = 1n; k < 256n; k++) {
    for (const v of [1n << k, (1n << k) - 1n, (1n << k) + 1n, n - (1n << k), (n >> k) << k]) out.add(v);
  }
  const ones = (1n << 256n) - 1n;
  for (let k = 4n; k < 256n; k += 4n) {
    out.add(ones >> k); // low run of ones
    out.add((ones << k) & ones); // high run of ones, low zeros
    out.add(((ones >> k) << k) % n);
  }
  for (const pattern of ["5", "a", "f0", "0f", "ff00", "00ff", "8", "1"]) {
    out.add(BigInt(`0x${pattern.repeat(64).slice(0, 64)}`) % n);
  }
  out.add(n >> 1n);
  out.add((n >> 1n) + 1n);
  return [...out].filter((k) => k >= 1n && k < n);
}

describe("sm2_z256 (native point arithmetic)", { skip }, () => {
  const z = addon as Z256;

  it("k·G matches OpenSSL for 2000 random scalars", () => {
    for (let i = 0; i < 2000; i++) {
      const k = randomScalar();
      assert.equal(hex(z.z256MulBase(b32(k)) as Buffer), xy(opensslMulBase(k)), `k = ${k.toString(16)}`);
    }
  });

  it("k·G matches sm-crypto for 200 random scalars", () => {
    for (let i = 0; i < 200; i++) {
      const k = randomScalar();
      const expected = derive(k.toString(16).padStart(64, "0")).slice(2).padStart(128, "0");
      assert.equal(hex(z.z256MulBase(b32(k)) as Buffer), expected);
    }
  });

  it("k·G, k·G as k·P and k·(-G) match OpenSSL for edge scalars", () => {
    const scalars = edgeScalars();
    assert.ok(scalars.length > 1000);
    for (const k of scalars) {
      const expected = xy(opensslMulBase(k));
      assert.equal(hex(z.z256MulBase(b32(k)) as Buffer), expected, `k·G, k = ${k.toString(16)}`);
      assert.equal(hex(z.z256MulPoint(b32(k), G) as Buffer), expected, `k·P with P = G, k = ${k.toString(16)}`);
      assert.equal(hex(z.z256MulPoint(b32(n - k), minusG) as Buffer), expected, `(n-k)·(-G), k = ${k.toString(16)}`);
    }
  });

  it("reduces scalars mod n and gives infinity (null) for k ≡ 0", () => {
    const Gxy = xy(G);
    assert.equal(z.z256MulBase(b32(0n)), null);
    assert.equal(z.z256MulBase(b32(n)), null);
    assert.equal(z.z256MulPoint(b32(0n), G), null);
    assert.equal(z.z256MulPoint(b32(n), G), null);
    assert.equal(hex(z.z256MulBase(b32(n + 1n)) as Buffer), Gxy);
    assert.equal(hex(z.z256MulPoint(b32(n + 1n), G) as Buffer), Gxy);
    const top = (1n << 256n) - 1n;
    assert.equal(hex(z.z256MulBase(b32(top)) as Buffer), xy(opensslMulBase(top - n)));
    assert.equal(hex(z.z256MulPoint(b32(top), G) as Buffer), xy(opensslMulBase(top - n)));
  });

  it("k·P matches OpenSSL's ECDH (x) and (k·q mod n)·G (x and y) for 2000 random k and P = q·G", () => {
    for (let i = 0; i < 2000; i++) {
      const q = randomScalar();
      const k = randomScalar();
      const P = opensslMulBase(q);
      const got = z.z256MulPoint(b32(k), P) as Buffer;
      assert.equal(hex(got.subarray(0, 32)), hex(opensslEcdhX(k, P)));
      assert.equal(hex(got), xy(opensslMulBase(mod(k * q, n))));
    }
  });

  it("u1·G + u2·Q matches (u1 + u2·q mod n)·G for 2000 random triples", () => {
    for (let i = 0; i < 2000; i++) {
      const q = randomScalar();
      const u1 = randomScalar();
      const u2 = randomScalar();
      const got = z.z256MulDouble(b32(u1), b32(u2), opensslMulBase(q));
      const sum = mod(u1 + u2 * q, n);
      assert.equal(got === null ? null : hex(got), sum === 0n ? null : xy(opensslMulBase(sum)));
    }
  });

  it("u1·G + u2·Q handles zero scalars, Q = ±G, doubling and infinity", () => {
    const scalars = edgeScalars().filter((_, i) => i % 7 === 0);
    const cases: [bigint, bigint, Buffer, bigint][] = [];
    for (const k of scalars) {
      const q = randomScalar();
      cases.push([k, 0n, G, k]); // u2 = 0
      cases.push([0n, k, opensslMulBase(q), mod(k * q, n)]); // u1 = 0
      cases.push([k, k, G, mod(2n * k, n)]); // u1·G = u2·Q: the final addition is a doubling
      cases.push([k, k, minusG, 0n]); // u1·G = -u2·Q: infinity
      cases.push([k, n - k, G, 0n]);
      cases.push([k, 1n, G, mod(k + 1n, n)]);
      cases.push([k, q, minusG, mod(k - q, n)]); // Q = -G
    }
    cases.push([0n, 0n, G, 0n]);
    for (const [u1, u2, Q, expected] of cases) {
      const got = z.z256MulDouble(b32(u1), b32(u2), Q);
      const want = expected === 0n ? null : xy(opensslMulBase(expected));
      assert.equal(got === null ? null : hex(got), want, `u1 = ${u1.toString(16)}, u2 = ${u2.toString(16)}`);
    }
  });

  it("rejects points off the curve, out of range or in compressed form; takes the hybrid form", () => {
    const k = b32(12345n);
    const bad = Buffer.from(G);
    bad.writeUInt8(bad.readUInt8(64) ^ 1, 64);
    assert.equal(z.z256MulPoint(k, bad), null);
    assert.equal(z.z256MulDouble(k, k, bad), null);
    const outOfRange = Buffer.concat([Buffer.from([4]), b32(bytesToBigint(G.subarray(1, 33)) + p), G.subarray(33)]);
    assert.equal(outOfRange.length, 65); // Gx + p still fits in 32 bytes
    assert.equal(z.z256MulPoint(k, outOfRange), null);
    const compressedPrefix = Buffer.from(G);
    compressedPrefix[0] = 2;
    assert.equal(z.z256MulPoint(k, compressedPrefix), null);
    const yOdd = (G[64] as number) & 1;
    const hybrid = Buffer.from(G);
    hybrid[0] = 6 + yOdd;
    assert.equal(hex(z.z256MulPoint(k, hybrid) as Buffer), xy(opensslMulBase(12345n)));
    hybrid[0] = 7 - yOdd;
    assert.equal(z.z256MulPoint(k, hybrid), null);
  });

  it("reproduces the GB/T 32918.5 Annex A signature example", () => {
    // Values from /work/shared/vectors/sm-standard-vectors.json (sm2_sign_recommended_curve).
    const v = {
      d: 0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8n,
      x: "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020",
      y: "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
      e: 0xf0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640n,
      k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
      r: 0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3n,
      s: 0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aan,
    };
    // Public key d·G, by the fixed-base and the variable-base paths.
    assert.equal(hex(z.z256MulBase(b32(v.d)) as Buffer), v.x + v.y);
    assert.equal(hex(z.z256MulPoint(b32(v.d), G) as Buffer), v.x + v.y);
    // Signing: r = (e + x1) mod n with (x1, y1) = k·G.
    const x1 = bytesToBigint((z.z256MulBase(b32(v.k)) as Buffer).subarray(0, 32));
    assert.equal(mod(v.e + x1, n), v.r);
    // Verification: (x1', y1') = s·G + t·P with t = (r + s) mod n, and (e + x1') mod n = r.
    const P = Buffer.from(`04${v.x}${v.y}`, "hex");
    const t = mod(v.r + v.s, n);
    const x1v = bytesToBigint((z.z256MulDouble(b32(v.s), b32(t), P) as Buffer).subarray(0, 32));
    assert.equal(mod(v.e + x1v, n), v.r);
  });

  // Signing, verification, ECDH and key generation through the addon's public API, which use
  // sm2_z256 unless HUTONG_SM2_Z256=0. The oracles: sm-crypto (the js backend) and the addon's
  // OpenSSL EVP path, run in a child process with the fast path switched off.
  const addonPath = createRequire(import.meta.url).resolve("../../build/Release/hutong_sm2.node");
  function opensslChild(script: string, input: unknown): unknown {
    const run = spawnSync(
      process.execPath,
      [
        "-e",
        `const a = require(${JSON.stringify(addonPath)}); const H = (h) => Buffer.from(h, "hex");
       const input = JSON.parse(require("fs").readFileSync(0, "utf8")); ${script}`,
      ],
      { input: JSON.stringify(input), env: { ...process.env, HUTONG_SM2_Z256: "0" }, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
  }

  it("signatures interoperate with sm-crypto and OpenSSL both ways (300 keys each)", () => {
    const fast = getSm2Backend("native");
    const js = getSm2Backend("js");
    const cases: { d: string; point: string; e: string; sig: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const d = randomScalar();
      const point = opensslMulBase(d);
      const e = randomBytes(32);
      const sig = fast.signDigest(fast.importPrivateKey(b32(d), point), e);
      assert.ok(js.verifyDigest(js.importPublicKey(point), e, sig), "sm-crypto verifies ours");
      assert.ok(fast.verifyDigest(fast.importPublicKey(point), e, sig), "we verify ours");
      const jsSig = js.signDigest(js.importPrivateKey(b32(d), point), e);
      assert.ok(fast.verifyDigest(fast.importPublicKey(point), e, jsSig), "we verify sm-crypto's");
      const other = Buffer.from(e);
      other.writeUInt8(other.readUInt8(0) ^ 1, 0);
      assert.ok(!fast.verifyDigest(fast.importPublicKey(point), other, sig), "a different digest fails");
      cases.push({ d: hex(b32(d)), point: hex(point), e: hex(e), sig: hex(sig) });
    }
    const results = opensslChild(
      `console.log(JSON.stringify(input.map((c) => {
         const ok = a.verifyDigest(a.publicKey(H(c.point)), H(c.e), H(c.sig));
         const sig = a.signDigest(a.privateKey(H(c.d), H(c.point)), H(c.e));
         return { ok, sig: sig.toString("hex") };
       })));`,
      cases,
    ) as { ok: boolean; sig: string }[];
    results.forEach((r, i) => {
      const c = cases[i] as { point: string; e: string };
      assert.ok(r.ok, "OpenSSL verifies ours");
      const key = fast.importPublicKey(Buffer.from(c.point, "hex"));
      assert.ok(fast.verifyDigest(key, Buffer.from(c.e, "hex"), Buffer.from(r.sig, "hex")), "we verify OpenSSL's");
    });
  });

  it("verification rejects what OpenSSL rejects: bad ranges, non-canonical DER", async () => {
    const fast = getSm2Backend("native");
    const v = {
      point: Buffer.from(
        "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
        "hex",
      ),
      e: Buffer.from("f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640", "hex"),
      r: 0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3n,
      s: 0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aan,
    };
    const int = (x: bigint, pad = 0) => {
      const digits = x.toString(16);
      let body = Buffer.from(digits.length % 2 ? `0${digits}` : digits, "hex");
      if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.alloc(1), body]);
      body = Buffer.concat([Buffer.alloc(pad), body]);
      return Buffer.concat([Buffer.from([2, body.length]), body]);
    };
    const seq = (...parts: Buffer[]) => {
      const body = Buffer.concat(parts);
      return Buffer.concat([Buffer.from([0x30, body.length]), body]);
    };
    const key = fast.importPublicKey(v.point);
    const candidates: [string, Buffer][] = [
      ["the published signature", seq(int(v.r), int(v.s))],
      ["r + 1", seq(int(v.r + 1n), int(v.s))],
      ["s + 1", seq(int(v.r), int(v.s + 1n))],
      ["r + n", seq(int(v.r + n), int(v.s))],
      ["s = 0", seq(int(v.r), int(0n))],
      ["r = 0", seq(int(0n), int(v.s))],
      ["s = n", seq(int(v.r), int(n))],
      ["-s", seq(int(v.r), Buffer.from([2, 1, 0xff]))],
      ["r padded with a zero byte", seq(int(v.r, 1), int(v.s))],
      ["trailing byte", Buffer.concat([seq(int(v.r), int(v.s)), Buffer.from([0])])],
      ["empty", Buffer.alloc(0)],
      ["not DER", Buffer.from("hello")],
      ["r + s = n", seq(int(v.r), int(n - v.r))],
    ];
    const expected = opensslChild(
      `console.log(JSON.stringify(input.sigs.map((s) => a.verifyDigest(a.publicKey(H(input.point)), H(input.e), H(s)))));`,
      { point: hex(v.point), e: hex(v.e), sigs: candidates.map(([, sig]) => hex(sig)) },
    ) as boolean[];
    assert.equal(expected[0], true);
    assert.equal(expected.filter(Boolean).length, 1);
    for (const [i, [what, sig]] of candidates.entries()) {
      assert.equal(fast.verifyDigest(key, v.e, sig), expected[i], what);
      assert.equal(await fast.verifyDigestAsync(key, v.e, sig), expected[i], `${what} (async)`);
    }
  });

  it("ECDH, async ECDH and key generation agree with OpenSSL", async () => {
    const fast = getSm2Backend("native");
    for (let i = 0; i < 100; i++) {
      const k = randomScalar();
      const P = opensslMulBase(randomScalar());
      assert.equal(hex(fast.ecdh(b32(k), P)), hex(opensslEcdhX(k, P)));
      assert.equal(
        hex(await (fast.ecdhAsync as NonNullable<typeof fast.ecdhAsync>)(b32(k), P)),
        hex(opensslEcdhX(k, P)),
      );
      const pair = await (fast.generateEphemeralAsync as NonNullable<typeof fast.generateEphemeralAsync>)();
      assert.equal(hex(pair.point), hex(opensslMulBase(bytesToBigint(pair.d))));
    }
    const bad = Buffer.from(G);
    bad.writeUInt8(bad.readUInt8(64) ^ 1, 64);
    assert.throws(() => fast.ecdh(b32(5n), bad));
    assert.throws(() => fast.ecdh(b32(0n), G));
    assert.throws(() => fast.ecdh(b32(n), G));
  });
});
