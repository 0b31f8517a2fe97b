// Test support (excluded from the build): a small real SM2 PKI for grant tests. A federation root
// and intermediate CA issue party certificates with @hutong/certs; a separate holder-app root
// issues holder certificates whose SAN URI is urn:hutong:subject:<hex>. @hutong/certs'
// createCertificate writes only party-id and DNS SAN entries, so holder certificates are written
// here with a minimal DER writer and signed with sm2Sign; parseCertificate re-reads them, so a
// writer mistake fails loudly rather than producing a certificate the verifier reads differently.
import { randomBytes } from "node:crypto";
import {
  type Certificate,
  type Crl,
  createCertificate,
  createCrl,
  encodeSm2Spki,
  generateSm2PrivateKey,
  parseCertificate,
  type Sm2PrivateKey,
  sm2Sign,
  sm3,
} from "@hutong/certs";
import type { SignerTrust } from "./signer-path.js";
import { subjectUri } from "./subject-uri.js";

export interface Issued {
  readonly cert: Certificate;
  readonly key: Sm2PrivateKey;
}

const day = 86_400_000;

// --- minimal DER ------------------------------------------------------------------------------

function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const content = Buffer.concat(parts);
  const len = content.length;
  let header: number[];
  if (len < 0x80) {
    header = [tag, len];
  } else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n >>>= 8) bytes.unshift(n & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const group = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) group.unshift((v & 0x7f) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
  return tlv(0x17, Buffer.from(`${digits}${iso.slice(17, 19)}Z`, "latin1"));
}

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? seq(oid(id), tlv(0x01, Buffer.from([0xff])), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}

const sm2WithSm3 = (): Buffer => seq(oid("1.2.156.10197.1.501"));

/** A leaf certificate with arbitrary SAN URIs (holder certificates), signed by `issuer`. */
export function issueUriCertificate(
  issuer: Issued,
  uris: readonly string[],
  o: { readonly notBefore: Date; readonly notAfter: Date; readonly key?: Sm2PrivateKey; readonly ca?: boolean },
): Issued {
  const key = o.key ?? generateSm2PrivateKey();
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const ski = issuer.cert.extensions.subjectKeyId;
  const extensions = [
    extension("2.5.29.19", true, o.ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()),
    // keyUsage: digitalSignature (bit 0), or keyCertSign + cRLSign for a CA.
    extension("2.5.29.15", true, tlv(0x03, Buffer.from(o.ca ? [0x01, 0x06] : [0x07, 0x80]))),
    extension("2.5.29.17", false, seq(...uris.map((u) => tlv(0x86, Buffer.from(u, "latin1"))))),
    extension("2.5.29.14", false, tlv(0x04, sm3(key.publicKey.point).subarray(0, 20))),
    ...(ski === undefined ? [] : [extension("2.5.29.35", false, seq(tlv(0x80, ski)))]),
  ];
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    sm2WithSm3(),
    Buffer.from(issuer.cert.subjectDer),
    seq(utcTime(o.notBefore), utcTime(o.notAfter)),
    seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from("holder", "utf8"))))),
    Buffer.from(encodeSm2Spki(key.publicKey)),
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sm2Sign(issuer.key, tbs);
  const der = seq(tbs, sm2WithSm3(), tlv(0x03, Buffer.from([0]), signature));
  return { cert: parseCertificate(der), key };
}

// --- the PKI ----------------------------------------------------------------------------------

export interface TestPki {
  readonly now: Date;
  /** Federation root and the intermediate CA that issues party certificates. */
  readonly root: Issued;
  readonly ca: Issued;
  /** The holder app's CA (its own trust anchor). */
  readonly holderCa: Issued;
  readonly crls: readonly Crl[];
  readonly trust: SignerTrust;
  party(partyId: string, o?: { readonly notBefore?: Date; readonly notAfter?: Date }): Issued;
  holder(digest: Uint8Array): Issued;
  /** DER chain, leaf first, as signer_chain carries it (party: leaf + intermediate; holder: leaf). */
  chain(leaf: Issued): Uint8Array[];
  /** CRLs again, this time listing these certificates as revoked an hour before now. */
  crlsRevoking(...revoked: readonly Issued[]): Crl[];
}

function makeCa(name: string, now: Date, issuer?: Issued): Issued {
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: name, organization: "hutong test" },
    publicKey: key.publicKey,
    ...(issuer === undefined ? { selfSignKey: key } : { issuer: { certificate: issuer.cert, privateKey: issuer.key } }),
    ca: issuer === undefined ? {} : { pathLen: 0 },
    notBefore: new Date(now.getTime() - 30 * day),
    notAfter: new Date(now.getTime() + 3650 * day),
  });
  return { cert, key };
}

export function createTestPki(now: Date = new Date("2026-06-01T00:00:00Z")): TestPki {
  const root = makeCa("hutong test root", now);
  const ca = makeCa("hutong test CA", now, root);
  const holderCa = makeCa("hutong test holder app CA", now);
  const window = { notBefore: new Date(now.getTime() - day), notAfter: new Date(now.getTime() + 365 * day) };
  const crlsRevoking = (...revoked: readonly Issued[]): Crl[] =>
    [root, ca, holderCa].map((issuer, i) =>
      createCrl({
        issuer: issuer.cert,
        issuerKey: issuer.key,
        thisUpdate: new Date(now.getTime() - 3_600_000),
        nextUpdate: new Date(now.getTime() + 7 * day),
        crlNumber: BigInt(i + 1),
        entries: revoked
          .filter((r) => Buffer.from(r.cert.issuerDer).equals(Buffer.from(issuer.cert.subjectDer)))
          .map((r) => ({ serialHex: r.cert.serialHex, revocationDate: new Date(now.getTime() - 3_600_000) })),
      }),
    );
  const crls = crlsRevoking();
  return {
    now,
    root,
    ca,
    holderCa,
    crls,
    trust: { trustAnchors: [root.cert], holderTrustAnchors: [holderCa.cert], crls },
    party(partyId, o = {}) {
      const key = generateSm2PrivateKey();
      const cert = createCertificate({
        subject: { commonName: partyId, organization: "hutong test" },
        publicKey: key.publicKey,
        issuer: { certificate: ca.cert, privateKey: ca.key },
        partyId,
        extKeyUsage: ["clientAuth"],
        notBefore: o.notBefore ?? window.notBefore,
        notAfter: o.notAfter ?? window.notAfter,
      });
      return { cert, key };
    },
    holder(digest) {
      return issueUriCertificate(holderCa, [subjectUri(digest)], window);
    },
    chain(leaf) {
      const issuedByCa = Buffer.from(leaf.cert.issuerDer).equals(Buffer.from(ca.cert.subjectDer));
      return issuedByCa ? [leaf.cert.der, ca.cert.der] : [leaf.cert.der];
    },
    crlsRevoking,
  };
}
