import { type Asn1, parseDer } from "../asn1/der.js";
import { generateSm2PrivateKey, type Sm2PrivateKey } from "../crypto/sm2-key.js";
import {
  type Certificate,
  type CertificateTemplate,
  createCertificate,
  parseCertificate,
} from "../x509/certificate.js";
import { type Crl, parseCrl } from "../x509/crl.js";
import type { NameInput } from "../x509/name.js";
import { signObject } from "../x509/signed-object.js";

/** Test support: small PKIs (root → intermediate → leaf) made on the fly. */
export interface Issued {
  readonly cert: Certificate;
  readonly key: Sm2PrivateKey;
}

export const day = 86_400_000;
export const fixedNow = new Date("2026-06-01T00:00:00Z");

type Overrides = Partial<Omit<CertificateTemplate, "subject" | "publicKey" | "issuer" | "selfSignKey">> & {
  readonly key?: Sm2PrivateKey;
};

function window(o: Overrides): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: o.notBefore ?? new Date(fixedNow.getTime() - 30 * day),
    notAfter: o.notAfter ?? new Date(fixedNow.getTime() + 365 * day),
  };
}

export function makeRoot(
  name: NameInput = { commonName: "hutong test root", organization: "hutong" },
  o: Overrides = {},
): Issued {
  const key = o.key ?? generateSm2PrivateKey();
  const cert = createCertificate({
    ca: {},
    ...o,
    ...window(o),
    subject: name,
    publicKey: key.publicKey,
    selfSignKey: key,
  });
  return { cert, key };
}

export function makeCa(issuer: Issued, name: NameInput, o: Overrides = {}): Issued {
  const key = o.key ?? generateSm2PrivateKey();
  const cert = createCertificate({
    ca: { pathLen: 0 },
    ...o,
    ...window(o),
    subject: name,
    publicKey: key.publicKey,
    issuer: { certificate: issuer.cert, privateKey: issuer.key },
  });
  return { cert, key };
}

export function makeLeaf(issuer: Issued, partyId: string | undefined, o: Overrides = {}): Issued {
  const key = o.key ?? generateSm2PrivateKey();
  const cert = createCertificate({
    extKeyUsage: ["serverAuth", "clientAuth"],
    ...(partyId === undefined ? {} : { partyId }),
    ...o,
    ...window(o),
    subject: { commonName: partyId ?? "no party", organization: "hutong" },
    publicKey: key.publicKey,
    issuer: { certificate: issuer.cert, privateKey: issuer.key },
  });
  return { cert, key };
}

/**
 * Certificates and CRLs no well-behaved CA makes (an unknown critical extension, no key
 * identifier, no nextUpdate): `edit` changes the items of the to-be-signed part, `signer` signs
 * the result, so only the edit is wrong.
 */
export function resignCertificate(cert: Certificate, signer: Sm2PrivateKey, edit: (tbs: Asn1[]) => void): Certificate {
  const tbs = parseDer(cert.tbsDer);
  edit(tbs.value as Asn1[]);
  return parseCertificate(signObject(tbs, signer));
}

export function resignCrl(crl: Crl, signer: Sm2PrivateKey, edit: (tbs: Asn1[]) => void): Crl {
  const tbs = parseDer(crl.tbsDer);
  edit(tbs.value as Asn1[]);
  return parseCrl(signObject(tbs, signer));
}

/** The Extension list inside a TBSCertificate's [3] (item 7), to edit in place. */
export function certificateExtensions(tbs: Asn1[]): Asn1[] {
  const wrapper = tbs[7]?.value as Asn1[] | undefined;
  return wrapper?.[0]?.value as Asn1[];
}

/** The Extension list inside a TBSCertList's [0] (its last item), to edit in place. */
export function crlExtensions(tbs: Asn1[]): Asn1[] {
  const wrapper = tbs.at(-1)?.value as Asn1[] | undefined;
  return wrapper?.[0]?.value as Asn1[];
}
