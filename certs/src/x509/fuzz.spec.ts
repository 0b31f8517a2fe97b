import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { generateSm2PrivateKey } from "../crypto/sm2-key.js";
import { CertsError } from "../error.js";
import { createCertificate, parseCertificate } from "./certificate.js";
import { createCrl, parseCrl } from "./crl.js";
import { createCsr, parseCsr } from "./csr.js";

/**
 * Property: any byte string either parses or throws CertsError with a parse
 * code, never a TypeError/RangeError from deep inside node-forge or our readers.
 * Signatures are not verified here (too slow under the pure-JS backend).
 */

const caKey = generateSm2PrivateKey();
const leafKey = generateSm2PrivateKey();
const notBefore = new Date("2025-01-01T00:00:00Z");
const notAfter = new Date("2030-01-01T00:00:00Z");
const ca = createCertificate({
  subject: { commonName: "Fuzz CA", country: "CN" },
  publicKey: caKey.publicKey,
  selfSignKey: caKey,
  notBefore,
  notAfter,
  ca: { pathLen: 0 },
});
const leaf = createCertificate({
  subject: { commonName: "fuzz leaf", organization: "测试" },
  publicKey: leafKey.publicKey,
  issuer: { certificate: ca, privateKey: caKey },
  notBefore,
  notAfter,
  extKeyUsage: ["clientAuth"],
  partyId: "prov:510000",
  dnsNames: ["fuzz.example.cn"],
});
const csr = createCsr({
  subject: { commonName: "fuzz" },
  privateKey: leafKey,
  partyId: "rail:cr",
  extKeyUsage: ["serverAuth"],
});
const crl = createCrl({
  issuer: ca,
  issuerKey: caKey,
  thisUpdate: notBefore,
  nextUpdate: notAfter,
  crlNumber: 42n,
  entries: [
    { serialHex: leaf.serialHex, revocationDate: notBefore, reason: "keyCompromise" },
    { serialHex: "01", revocationDate: notBefore },
  ],
});

const targets = [
  {
    name: "certificate",
    der: leaf.der,
    parse: (b: Uint8Array) => parseCertificate(b).der,
    codes: ["malformed", "invalid-key"],
  },
  { name: "CSR", der: csr.der, parse: (b: Uint8Array) => parseCsr(b).der, codes: ["malformed", "invalid-key"] },
  { name: "CRL", der: crl.der, parse: (b: Uint8Array) => parseCrl(b).der, codes: ["malformed"] },
] as const;

const numRuns = Number(process.env.X509_FUZZ_RUNS ?? 300);

function parsesOrCertsError(target: (typeof targets)[number], bytes: Uint8Array): void {
  let reparsed: Uint8Array;
  try {
    reparsed = target.parse(bytes);
  } catch (error) {
    if (!(error instanceof CertsError) || !(target.codes as readonly string[]).includes(error.code)) throw error;
    return;
  }
  // Parsing accepts canonical DER only, so whatever parsed is exactly what was given.
  assert.deepEqual(reparsed, bytes);
}

/** A DER SEQUENCE header around arbitrary content, so the fuzzer gets past the first length check. */
function asSequence(content: Uint8Array): Uint8Array {
  const n = content.length;
  const header = n < 0x80 ? [0x30, n] : n < 0x100 ? [0x30, 0x81, n] : [0x30, 0x82, n >> 8, n & 0xff];
  return new Uint8Array([...header, ...content]);
}

function mutate(der: Uint8Array, edits: readonly (readonly [number, number])[]): Uint8Array {
  const out = new Uint8Array(der);
  for (const [pos, value] of edits) out[pos % out.length] = value;
  return out;
}

describe("x509 parsers under fuzzing", () => {
  for (const target of targets) {
    describe(target.name, () => {
      it("the unmutated DER parses", () => {
        assert.deepEqual(target.parse(target.der), target.der);
      });

      it("random byte strings", () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, wrap) => {
            parsesOrCertsError(target, wrap ? asSequence(bytes) : bytes);
          }),
          { numRuns },
        );
      });

      it("one to four byte mutations", () => {
        fc.assert(
          fc.property(
            fc.array(fc.tuple(fc.nat({ max: target.der.length - 1 }), fc.integer({ min: 0, max: 255 })), {
              minLength: 1,
              maxLength: 4,
            }),
            (edits) => parsesOrCertsError(target, mutate(target.der, edits)),
          ),
          { numRuns },
        );
      });

      it("truncations, with a mutation and re-wrapped in a valid outer SEQUENCE", () => {
        fc.assert(
          fc.property(
            fc.nat({ max: target.der.length }),
            fc.nat({ max: target.der.length - 1 }),
            fc.integer({ min: 0, max: 255 }),
            (cut, pos, value) => {
              const truncated = target.der.subarray(0, cut);
              parsesOrCertsError(target, truncated);
              // Keep the outer header valid and damage the inside.
              const inner = mutate(target.der.subarray(4), [[pos, value]]).subarray(0, Math.max(0, cut - 4));
              parsesOrCertsError(target, asSequence(inner));
            },
          ),
          { numRuns },
        );
      });

      it("bytes spliced in from the other structures", () => {
        const donors = targets.map((t) => t.der);
        fc.assert(
          fc.property(
            fc.nat({ max: donors.length - 1 }),
            fc.nat({ max: 2000 }),
            fc.nat({ max: 2000 }),
            fc.integer({ min: 1, max: 40 }),
            (d, from, to, len) => {
              const donor = donors[d] ?? target.der;
              const out = new Uint8Array(target.der);
              const src = from % donor.length;
              out.set(donor.subarray(src, src + len).subarray(0, out.length - (to % out.length)), to % out.length);
              parsesOrCertsError(target, out);
            },
          ),
          { numRuns },
        );
      });
    });
  }
});
