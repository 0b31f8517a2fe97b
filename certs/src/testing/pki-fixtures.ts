import { generateSm2PrivateKey, type Sm2PrivateKey } from "../crypto/sm2-key.js";
import { type Certificate, type CertificateTemplate, createCertificate } from "../x509/certificate.js";
import type { NameInput } from "../x509/name.js";

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
