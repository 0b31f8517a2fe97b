import assert from "node:assert/strict";
import { createECDH, createPrivateKey, sign as nodeSign, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sm2 as smCrypto } from "sm-crypto";
import { encodeDer, integer, seq } from "../asn1/der.js";
import { isCertsError } from "../error.js";
import { openssl, opensslOk, tempDir } from "../testing/openssl.js";
import { hex, loadStandardVectors, toHex } from "../testing/vectors.js";
import { isNativeBackendAvailable } from "./native-backend.js";
import type { Sm2Backend } from "./sm2-backend.js";
import { defaultSm2Backend, getSm2Backend } from "./sm2-backend-registry.js";
import { bytesToBigint, sm2Curve } from "./sm2-curve.js";
import { createSm2PrivateKey, createSm2PublicKey, exportSm2PrivateScalar, generateSm2PrivateKey } from "./sm2-key.js";
import { encodeSm2PrivateKeyPem, encodeSm2PublicKeyPem } from "./sm2-key-codec.js";
import { sm2Digest, sm2Sign, sm2SignAsync, sm2Verify, sm2VerifyAsync, sm2Za } from "./sm2-signature.js";
import { sm2SignatureDerToRaw, sm2SignatureRawToDer } from "./sm2-signature-encoding.js";
import { sm3 } from "./sm3.js";

const v = loadStandardVectors().sm2_sign_recommended_curve;
const vectorKey = createSm2PrivateKey(hex(v.private_key_d ?? ""));
const vectorMessage = Buffer.from(v.message_ascii ?? "");
const backends: Sm2Backend[] = [getSm2Backend("js"), ...(isNativeBackendAvailable() ? [getSm2Backend("native")] : [])];

describe(`SM2 signatures (default backend: ${defaultSm2Backend().name})`, () => {
  it("derives the GB/T 32918.5 public key, Z_A and e", () => {
    assert.equal(toHex(vectorKey.publicKey.point), `04${v.public_key_x}${v.public_key_y}`.toLowerCase());
    assert.equal(toHex(sm2Za(vectorKey.publicKey)), v.za?.toLowerCase());
    assert.equal(toHex(sm2Digest(vectorKey.publicKey, vectorMessage)), v.e?.toLowerCase());
  });

  for (const backend of backends) {
    it(`${backend.name}: verifies the published signature and rejects it under another id`, () => {
      const sig = hex(v.signature_der ?? "");
      assert.equal(sm2Verify(vectorKey.publicKey, vectorMessage, sig, { backend }), true);
      assert.equal(sm2Verify(vectorKey.publicKey, vectorMessage, sig, { backend, id: "" }), false);
      assert.equal(sm2Verify(vectorKey.publicKey, Buffer.from("message digesT"), sig, { backend }), false);
    });
  }

  it("native and js backends verify each other's random signatures", (t) => {
    if (!isNativeBackendAvailable()) return t.skip("native addon not built");
    const [js, native] = [getSm2Backend("js"), getSm2Backend("native")];
    for (let i = 0; i < 5; i++) {
      const key = generateSm2PrivateKey();
      const msg = randomBytes(1 + i * 50);
      assert.equal(sm2Verify(key.publicKey, msg, sm2Sign(key, msg, { backend: native }), { backend: js }), true);
      assert.equal(sm2Verify(key.publicKey, msg, sm2Sign(key, msg, { backend: js }), { backend: native }), true);
    }
  });

  it("agrees with sm-crypto's own full path (its Z_A, its hashing)", () => {
    const key = generateSm2PrivateKey();
    const pubHex = toHex(key.publicKey.point);
    const msg = randomBytes(100);
    const ours = sm2Sign(key, msg);
    assert.equal(smCrypto.doVerifySignature(Array.from(msg), toHex(ours), pubHex, { der: true, hash: true }), true);
    const theirs = smCrypto.doSignature(Array.from(msg), toHex(exportSm2PrivateScalar(key)), {
      der: true,
      hash: true,
      publicKey: pubHex,
      userId: "1234567812345678",
    });
    assert.equal(sm2Verify(key.publicKey, msg, hex(theirs)), true);
  });

  it("verifies OpenSSL's signatures and OpenSSL verifies ours (distid 1234567812345678)", () => {
    using dir = tempDir();
    const key = generateSm2PrivateKey();
    const keyFile = dir.file("key.pem", encodeSm2PrivateKeyPem(key));
    const pubFile = dir.file("pub.pem", encodeSm2PublicKeyPem(key.publicKey));
    const msg = randomBytes(300);
    const msgFile = dir.file("msg.bin", msg);
    const common = ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-rawin", "-in", msgFile];

    const sigFile = dir.file("openssl.sig");
    opensslOk(["pkeyutl", "-sign", "-inkey", keyFile, ...common, "-out", sigFile]);
    const theirs = new Uint8Array(readFileSync(sigFile));
    assert.equal(sm2Verify(key.publicKey, msg, theirs), true);

    const oursFile = dir.file("ours.sig", sm2Sign(key, msg));
    const ok = openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pubFile, ...common, "-sigfile", oursFile]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Signature Verified Successfully/);
    const wrongId = openssl([
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      pubFile,
      ...common.map((a) => (a === "distid:1234567812345678" ? "distid:1234567812345679" : a)),
      "-sigfile",
      oursFile,
    ]);
    assert.notEqual(wrongId.status, 0);
  });

  it("rejects a signature made by Node's crypto.sign on an SM2 key (empty user id)", () => {
    const key = generateSm2PrivateKey();
    const keyObject = createPrivateKey(encodeSm2PrivateKeyPem(key));
    const msg = Buffer.from("road passenger e-ticket");
    const nodeSig = new Uint8Array(nodeSign("sm3", msg, keyObject));
    assert.equal(sm2Verify(key.publicKey, msg, nodeSig), false);
    // The only difference is the id: with the empty id Node's signature is valid.
    assert.equal(sm2Verify(key.publicKey, msg, nodeSig, { id: "" }), true);
  });

  it("rejects an ECDSA signature made with an SM2-curve key", () => {
    const key = generateSm2PrivateKey();
    const d = bytesToBigint(exportSm2PrivateScalar(key));
    const msg = Buffer.from("licence 510100-0001");
    const { n } = sm2Curve;
    const modPow = (b: bigint, e: bigint): bigint => {
      let r = 1n;
      let x = b % n;
      for (let k = e; k > 0n; k >>= 1n, x = (x * x) % n) if (k & 1n) r = (r * x) % n;
      return r;
    };
    for (const digest of [sm3(msg), sm2Digest(key.publicKey, msg)]) {
      const e = bytesToBigint(digest);
      const k = (bytesToBigint(randomBytes(32)) % (n - 1n)) + 1n;
      const ecdh = createECDH("SM2");
      ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(64, "0"), "hex"));
      const r = bytesToBigint(ecdh.getPublicKey().subarray(1, 33)) % n;
      const s = (modPow(k, n - 2n) * (e + r * d)) % n;
      assert.equal(sm2Verify(key.publicKey, msg, encodeDer(seq(integer(r), integer(s)))), false);
    }
  });

  it("rejects tampered signatures, other messages, other keys and other ids", () => {
    const key = generateSm2PrivateKey();
    const msg = Buffer.from("hello");
    const sig = sm2Sign(key, msg);
    assert.equal(sm2Verify(key.publicKey, msg, sig), true);
    for (const i of [4, 10, 20, sig.length - 1]) {
      const bad = Uint8Array.from(sig);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      assert.equal(sm2Verify(key.publicKey, msg, bad), false, `bit flip at ${i}`);
    }
    assert.equal(sm2Verify(key.publicKey, Buffer.from("hellp"), sig), false);
    assert.equal(sm2Verify(generateSm2PrivateKey().publicKey, msg, sig), false);
    assert.equal(sm2Verify(key.publicKey, msg, sig, { id: "alice@prov:510000" }), false);
    const aliceSig = sm2Sign(key, msg, { id: "alice@prov:510000" });
    assert.equal(sm2Verify(key.publicKey, msg, aliceSig, { id: "alice@prov:510000" }), true);
  });

  it("returns false, never throws, for malformed signature encodings", () => {
    const key = generateSm2PrivateKey();
    const msg = Buffer.from("x");
    const sig = sm2Sign(key, msg);
    const raw = sm2SignatureDerToRaw(sig);
    const r = bytesToBigint(raw.subarray(0, 32));
    const s = bytesToBigint(raw.subarray(32));
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      hex("3000"),
      hex("300602010102010"),
      Uint8Array.from([...sig, 0]), // trailing byte
      sig.subarray(0, sig.length - 1), // truncated
      raw, // raw r||s where DER is expected
      encodeDer(seq(integer(0), integer(s))),
      encodeDer(seq(integer(r), integer(0))),
      encodeDer(seq(integer(r + sm2Curve.n), integer(s))),
      encodeDer(seq(integer(r), integer(s), integer(1))),
      randomBytes(72),
    ];
    for (const c of cases) assert.equal(sm2Verify(key.publicKey, msg, c), false, toHex(c));
  });

  it("converts between DER and raw r||s losslessly", () => {
    const key = generateSm2PrivateKey();
    for (let i = 0; i < 3; i++) {
      const sig = sm2Sign(key, randomBytes(10));
      assert.deepEqual(sm2SignatureRawToDer(sm2SignatureDerToRaw(sig)), sig);
    }
  });

  it("signs and verifies off the event loop", async () => {
    const key = generateSm2PrivateKey();
    const msg = randomBytes(64);
    const sigs = await Promise.all([1, 2, 3].map(() => sm2SignAsync(key, msg)));
    for (const sig of sigs) assert.equal(await sm2VerifyAsync(key.publicKey, msg, sig), true);
    const bad = Uint8Array.from(sigs[0] ?? []);
    bad[8] = (bad[8] ?? 0) ^ 1;
    assert.equal(await sm2VerifyAsync(key.publicKey, msg, bad), false);
    assert.equal(await sm2VerifyAsync(key.publicKey, msg, hex("00")), false);
  });

  it("keeps every answer right with many jobs on one key at once (the addon's per-key context pool)", async () => {
    const key = generateSm2PrivateKey();
    const msgs = Array.from({ length: 12 }, () => randomBytes(48));
    // More jobs than the pool keeps and than the thread pool has threads, good and bad interleaved,
    // so contexts are taken, made, given back and dropped while others run.
    for (let round = 0; round < 3; round++) {
      const sigs = await Promise.all(msgs.map((m) => sm2SignAsync(key, m)));
      const checks = await Promise.all(
        msgs.flatMap((m, i) => {
          const sig = sigs[i] ?? new Uint8Array();
          const bad = Uint8Array.from(sig);
          bad[8] = (bad[8] ?? 0) ^ 1;
          return [
            sm2VerifyAsync(key.publicKey, m, sig),
            sm2VerifyAsync(key.publicKey, m, bad),
            sm2VerifyAsync(key.publicKey, m, hex("00")),
          ];
        }),
      );
      assert.deepEqual(
        checks,
        msgs.flatMap(() => [true, false, false]),
      );
      for (const [i, m] of msgs.entries()) assert.equal(sm2Verify(key.publicKey, m, sigs[i] ?? new Uint8Array()), true);
    }
  });

  it("refuses public keys off the curve", () => {
    const bad = Uint8Array.from(vectorKey.publicKey.point);
    bad[64] = (bad[64] ?? 0) ^ 1;
    assert.throws(() => createSm2PublicKey(bad), { name: "CertsError" });
  });

  it("user ids: bytes and text name the same id; one longer than 8191 bytes is refused", () => {
    const key = generateSm2PrivateKey();
    const msg = Buffer.from("grant");
    assert.deepEqual(sm2Za(key.publicKey, Buffer.from("alice@prov:510000")), sm2Za(key.publicKey, "alice@prov:510000"));
    const sig = sm2Sign(key, msg, { id: Buffer.from("alice@prov:510000") });
    assert.equal(sm2Verify(key.publicKey, msg, sig, { id: "alice@prov:510000" }), true);
    // ENTL is the id's length in bits as two bytes: 8191 bytes is the most it can say.
    const longest = new Uint8Array(8191).fill(0x61);
    assert.equal(sm2Verify(key.publicKey, msg, sm2Sign(key, msg, { id: longest }), { id: longest }), true);
    for (const id of [new Uint8Array(8192), "a".repeat(8192), "\u00e9".repeat(4096)]) {
      assert.throws(
        () => sm2Sign(key, msg, { id }),
        (e) => isCertsError(e, "invalid-argument"),
      );
    }
  });

  for (const backend of backends) {
    it(`${backend.name}: verify answers false, never throws, for any signature bytes (property)`, () => {
      const key = generateSm2PrivateKey();
      const msg = Buffer.from("x");
      const anyInteger = fc.bigInt({ min: 0n, max: 2n ** 264n });
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 80 }),
            fc.tuple(anyInteger, anyInteger).map(([r, s]) => encodeDer(seq(integer(r), integer(s)))),
          ),
          (sig) => {
            assert.equal(sm2Verify(key.publicKey, msg, sig, { backend }), false);
          },
        ),
        { numRuns: 150 },
      );
    });

    it(`${backend.name}: refuses to sign with a public key`, () => {
      const handle = backend.importPublicKey(generateSm2PrivateKey().publicKey.point);
      assert.throws(() => backend.signDigest(handle, new Uint8Array(32)), /private key/);
    });
  }

  it("raw r||s: exactly 64 bytes, components of at most 32 bytes, leading zeros kept in place", () => {
    const raw = new Uint8Array(64);
    raw[31] = 1; // r = 1
    raw[33] = 0x80; // s = 0x80 << 240
    const der = sm2SignatureRawToDer(raw);
    assert.equal(toHex(der), `3025020101022000${"80"}${"00".repeat(30)}`);
    assert.deepEqual(sm2SignatureDerToRaw(der), raw);
    for (const len of [0, 63, 65]) {
      assert.throws(
        () => sm2SignatureRawToDer(new Uint8Array(len)),
        (e) => isCertsError(e, "malformed"),
      );
    }
    const tooLong = encodeDer(seq(integer(2n ** 256n), integer(1)));
    assert.throws(
      () => sm2SignatureDerToRaw(tooLong),
      (e) => isCertsError(e, "malformed") && /longer than 32 bytes/.test(e.message),
    );
    assert.throws(
      () => sm2SignatureDerToRaw(encodeDer(seq(integer(1)))),
      (e) => isCertsError(e, "malformed"),
    );
  });
});
