import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { bitString, encodeDer, explicit, integer, octets, oid, seq } from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { decodePem, decodePemBlocks, encodePem } from "../asn1/pem.js";
import { CertsError, isCertsError } from "../error.js";
import { openssl, opensslOk, tempDir } from "../testing/openssl.js";
import { hex, toHex } from "../testing/vectors.js";
import { bigintToBytes32, sm2Curve } from "./sm2-curve.js";
import { createSm2PrivateKey, exportSm2PrivateScalar, generateSm2PrivateKey } from "./sm2-key.js";
import {
  decodeSm2Pkcs8,
  decodeSm2PrivateKeyPem,
  decodeSm2PublicKeyPem,
  decodeSm2Sec1,
  decodeSm2Spki,
  encodeSm2Pkcs8,
  encodeSm2PrivateKeyPem,
  encodeSm2PublicKeyPem,
  encodeSm2Sec1,
  encodeSm2Spki,
} from "./sm2-key-codec.js";
import { sm2Sign, sm2Verify } from "./sm2-signature.js";

const samePoint = (a: { point: Uint8Array }, b: { point: Uint8Array }) => assert.equal(toHex(a.point), toHex(b.point));

describe("SM2 key encodings", () => {
  it("round-trips raw scalar, SPKI, PKCS#8 and SEC1", () => {
    const key = generateSm2PrivateKey();
    assert.deepEqual(
      exportSm2PrivateScalar(createSm2PrivateKey(exportSm2PrivateScalar(key))),
      exportSm2PrivateScalar(key),
    );
    samePoint(decodeSm2Spki(encodeSm2Spki(key.publicKey)), key.publicKey);
    assert.deepEqual(exportSm2PrivateScalar(decodeSm2Pkcs8(encodeSm2Pkcs8(key))), exportSm2PrivateScalar(key));
    assert.deepEqual(exportSm2PrivateScalar(decodeSm2Sec1(encodeSm2Sec1(key))), exportSm2PrivateScalar(key));
    samePoint(decodeSm2PublicKeyPem(encodeSm2PublicKeyPem(key.publicKey)), key.publicKey);
  });

  it("reads keys OpenSSL generates (PKCS#8, SEC1, SPKI) to the same scalar", () => {
    using dir = tempDir();
    const keyFile = dir.file("key.pem");
    opensslOk(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", keyFile]);
    const pkcs8 = readFileSync(keyFile, "utf8");
    const sec1 = opensslOk(["ec", "-in", keyFile]);
    const spki = opensslOk(["pkey", "-in", keyFile, "-pubout"]);
    const fromPkcs8 = decodeSm2PrivateKeyPem(pkcs8);
    const fromSec1 = decodeSm2PrivateKeyPem(sec1);
    assert.match(sec1, /BEGIN (EC|SM2) PRIVATE KEY/);
    assert.deepEqual(exportSm2PrivateScalar(fromPkcs8), exportSm2PrivateScalar(fromSec1));
    samePoint(decodeSm2PublicKeyPem(spki), fromPkcs8.publicKey);
    // OpenSSL's text form names the same private scalar.
    const text = opensslOk(["pkey", "-in", keyFile, "-noout", "-text"]);
    const priv = /priv:\s*([\s\S]*?)pub:/.exec(text)?.[1]?.replace(/[\s:]/g, "") ?? "";
    assert.equal(BigInt(`0x${priv}`), BigInt(`0x${toHex(exportSm2PrivateScalar(fromPkcs8))}`));
  });

  it("writes PKCS#8, SEC1 and SPKI that OpenSSL reads back to the same key", () => {
    using dir = tempDir();
    const key = generateSm2PrivateKey();
    const fromPkcs8 = opensslOk(["pkey", "-in", dir.file("k.pem", encodeSm2PrivateKeyPem(key)), "-pubout"]);
    samePoint(decodeSm2PublicKeyPem(fromPkcs8), key.publicKey);
    const fromSec1 = opensslOk([
      "ec",
      "-in",
      dir.file("k1.pem", encodePem("EC PRIVATE KEY", encodeSm2Sec1(key))),
      "-pubout",
    ]);
    samePoint(decodeSm2PublicKeyPem(fromSec1), key.publicKey);
    const spkiText = opensslOk([
      "pkey",
      "-pubin",
      "-in",
      dir.file("p.pem", encodeSm2PublicKeyPem(key.publicKey)),
      "-noout",
      "-text",
    ]);
    assert.match(spkiText, /ASN1 OID: SM2/);
  });

  it("encrypts PKCS#8 with a passphrase that OpenSSL accepts, and reads OpenSSL's encrypted keys", () => {
    using dir = tempDir();
    const key = generateSm2PrivateKey();
    const encrypted = encodeSm2PrivateKeyPem(key, "correct horse");
    assert.deepEqual(
      decodePemBlocks(encrypted).map((b) => b.label),
      ["ENCRYPTED PRIVATE KEY"],
    );
    assert.equal(encrypted.includes(Buffer.from(exportSm2PrivateScalar(key)).toString("base64")), false);
    const file = dir.file("enc.pem", encrypted);
    const out = opensslOk(["pkey", "-in", file, "-passin", "pass:correct horse", "-pubout"]);
    samePoint(decodeSm2PublicKeyPem(out), key.publicKey);
    assert.notEqual(openssl(["pkey", "-in", file, "-passin", "pass:wrong", "-pubout"]).status, 0);

    const theirs = opensslOk([
      "pkcs8",
      "-topk8",
      "-v2",
      "sm4-cbc",
      "-passout",
      "pass:s3cret",
      "-in",
      dir.file("plain.pem", encodeSm2PrivateKeyPem(key)),
    ]);
    assert.deepEqual(exportSm2PrivateScalar(decodeSm2PrivateKeyPem(theirs, "s3cret")), exportSm2PrivateScalar(key));
    assert.throws(
      () => decodeSm2PrivateKeyPem(theirs, "nope"),
      (e) => isCertsError(e, "bad-passphrase"),
    );
    assert.throws(
      () => decodeSm2PrivateKeyPem(theirs),
      (e) => isCertsError(e, "bad-passphrase"),
    );
  });

  it("refuses scalars outside [1, n-2] and points off the curve", () => {
    for (const d of [0n, sm2Curve.n - 1n, sm2Curve.n, 2n ** 256n - 1n]) {
      assert.throws(
        () => createSm2PrivateKey(bigintToBytes32(d)),
        (e) => isCertsError(e, "invalid-key"),
      );
    }
    assert.throws(
      () => createSm2PrivateKey(new Uint8Array(31).fill(1)),
      (e) => isCertsError(e, "invalid-key"),
    );
    const key = generateSm2PrivateKey();
    const spki = encodeSm2Spki(key.publicKey);
    const offCurve = Uint8Array.from(spki);
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] ?? 0) ^ 1;
    assert.throws(
      () => decodeSm2Spki(offCurve),
      (e) => isCertsError(e, "invalid-key"),
    );
  });

  it("refuses a P-256 key: same shape, different curve", () => {
    using dir = tempDir();
    const p256 = opensslOk(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    assert.throws(
      () => decodeSm2PrivateKeyPem(p256),
      (e) => isCertsError(e, "invalid-key"),
    );
    const pub = opensslOk(["pkey", "-pubout", "-in", dir.file("p256.pem", p256)]);
    assert.throws(
      () => decodeSm2PublicKeyPem(pub),
      (e) => isCertsError(e, "invalid-key"),
    );
  });

  it("refuses a SEC1 key whose public key does not match its scalar", () => {
    const a = generateSm2PrivateKey();
    const b = generateSm2PrivateKey();
    const der = encodeSm2Sec1(a);
    const spliced = Buffer.from(der);
    const at = spliced.indexOf(Buffer.from(a.publicKey.point));
    Buffer.from(b.publicKey.point).copy(spliced, at);
    assert.throws(
      () => decodeSm2Sec1(spliced),
      (e) => isCertsError(e, "invalid-key"),
    );
  });

  it("keys read back from files sign and verify", () => {
    const key = decodeSm2PrivateKeyPem(encodeSm2PrivateKeyPem(generateSm2PrivateKey()));
    const pub = decodeSm2Spki(encodeSm2Spki(key.publicKey));
    assert.equal(sm2Verify(pub, hex("00ff"), sm2Sign(key, hex("00ff"))), true);
  });

  it("never throws anything but CertsError on garbage, truncated or mutated input (fuzz)", () => {
    const key = generateSm2PrivateKey();
    const samples = [encodeSm2Pkcs8(key), encodeSm2Sec1(key), encodeSm2Spki(key.publicKey)];
    const decoders = [decodeSm2Pkcs8, decodeSm2Sec1, decodeSm2Spki] as const;
    const onlyCertsErrors = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (!(e instanceof CertsError)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of decoders) onlyCertsErrors(() => decode(bytes));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(2), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (which, pos, xor, truncate) => {
        const sample = samples[which] ?? new Uint8Array();
        const i = pos % sample.length;
        const mutated = truncate ? sample.subarray(0, i) : Uint8Array.from(sample);
        if (!truncate) mutated[i] = (mutated[i] ?? 0) ^ xor;
        for (const decode of decoders) onlyCertsErrors(() => decode(mutated));
      }),
      { numRuns: 500 },
    );
    assert.throws(
      () => decodePem("no pem here", ["PRIVATE KEY"]),
      (e) => isCertsError(e, "malformed"),
    );
  });

  it("reads an SPKI whose algorithm is the SM2 OID itself; refuses an EC key with no curve named", () => {
    const key = generateSm2PrivateKey();
    const sm2Alg = encodeDer(seq(seq(oid(oids.sm2)), bitString(key.publicKey.point)));
    samePoint(decodeSm2Spki(sm2Alg), key.publicKey);
    const noCurve = encodeDer(seq(seq(oid(oids.ecPublicKey)), bitString(key.publicKey.point)));
    assert.throws(
      () => decodeSm2Spki(noCurve),
      (e) => isCertsError(e, "invalid-key") && /curve other than sm2p256v1/.test(e.message),
    );
  });

  it("reads SEC1 scalars with dropped leading zeros; refuses one longer than 32 bytes", () => {
    const key = createSm2PrivateKey(bigintToBytes32(0x1234n));
    const sec1 = (d: Uint8Array) => encodeDer(seq(integer(1), octets(d), explicit(0, oid(oids.sm2))));
    assert.deepEqual(exportSm2PrivateScalar(decodeSm2Sec1(sec1(hex("1234")))), exportSm2PrivateScalar(key));
    assert.throws(
      () => decodeSm2Sec1(sec1(Uint8Array.from([0, ...bigintToBytes32(0x1234n)]))),
      (e) => isCertsError(e, "invalid-key") && /longer than 32 bytes/.test(e.message),
    );
  });

  it("PEM: reads the EC PRIVATE KEY label, refuses an empty passphrase and texts without the block", () => {
    const key = generateSm2PrivateKey();
    const ec = encodePem("EC PRIVATE KEY", encodeSm2Sec1(key));
    assert.deepEqual(exportSm2PrivateScalar(decodeSm2PrivateKeyPem(ec)), exportSm2PrivateScalar(key));
    assert.throws(
      () => encodeSm2PrivateKeyPem(key, ""),
      (e) => isCertsError(e, "invalid-argument"),
    );
    const pub = encodeSm2PublicKeyPem(key.publicKey);
    assert.throws(
      () => decodeSm2PrivateKeyPem(pub),
      (e) => isCertsError(e, "malformed") && /no private key PEM block/.test(e.message),
    );
    assert.throws(
      () => decodeSm2PublicKeyPem(ec),
      (e) => isCertsError(e, "malformed") && /no PUBLIC KEY PEM block/.test(e.message),
    );
  });
});
