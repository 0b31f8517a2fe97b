import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Sm2Backend } from "../crypto/sm2-backend.js";
import { defaultSm2Backend } from "../crypto/sm2-backend-registry.js";
import { generateSm2PrivateKey } from "../crypto/sm2-key.js";
import { createCertificate } from "./certificate.js";
import { createCrl, parseCrl, verifyCrlSignature } from "./crl.js";

/** Runs `f` counting the SM2 verifications the process's backend really does meanwhile. */
function countingVerifications(f: () => void): number {
  const backend = defaultSm2Backend() as { -readonly [K in keyof Sm2Backend]: Sm2Backend[K] };
  const original = backend.verifyDigest;
  let n = 0;
  backend.verifyDigest = (key, e, sig) => {
    n++;
    return original(key, e, sig);
  };
  try {
    f();
  } finally {
    backend.verifyDigest = original;
  }
  return n;
}

const caKey = generateSm2PrivateKey();
const ca = createCertificate({
  subject: { commonName: "Cache CA" },
  publicKey: caKey.publicKey,
  selfSignKey: caKey,
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2035-01-01T00:00:00Z"),
  ca: {},
});
const crlOf = (n: bigint) =>
  createCrl({
    issuer: ca,
    issuerKey: caKey,
    thisUpdate: new Date("2026-05-01T00:00:00Z"),
    nextUpdate: new Date("2026-05-08T00:00:00Z"),
    crlNumber: n,
    entries: [{ serialHex: "81", revocationDate: new Date("2026-04-30T00:00:00Z") }],
  });

describe("signature verification cache", () => {
  it("verifies a CRL's signature once per CRL bytes, however often and however parsed", () => {
    const crl = crlOf(1n);
    assert.equal(
      countingVerifications(() => {
        for (let i = 0; i < 5; i++) assert.equal(verifyCrlSignature(crl, ca.publicKey), true);
        // The same bytes parsed again: another object, the same answer from the cache.
        assert.equal(verifyCrlSignature(parseCrl(crl.der), ca.publicKey), true);
      }),
      1,
    );
  });

  it("never lets other bytes, another key or a failure ride on a success", () => {
    const crl = crlOf(2n);
    assert.equal(verifyCrlSignature(crl, ca.publicKey), true);
    const der = new Uint8Array(crl.der);
    const at = Buffer.from(der).indexOf(Buffer.from([0x02, 0x02, 0x00, 0x81])); // serial 0x81
    der[at + 3] = 0xff;
    const tampered = parseCrl(der);
    assert.equal(tampered.revoked.has("ff"), true);
    const other = generateSm2PrivateKey().publicKey;
    let answers: boolean[] = [];
    const n = countingVerifications(() => {
      answers = [
        verifyCrlSignature(tampered, ca.publicKey),
        verifyCrlSignature(tampered, ca.publicKey),
        verifyCrlSignature(crl, other),
        verifyCrlSignature({ ...crl, signature: new Uint8Array(crl.signature).fill(1, 8, 12) }, ca.publicKey),
      ];
    });
    assert.deepEqual(answers, [false, false, false, false]);
    assert.equal(n, 4, "failures are never remembered: each is verified again");
  });
});
