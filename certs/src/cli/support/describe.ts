import type { Certificate } from "../../x509/certificate.js";
import type { Crl } from "../../x509/crl.js";
import type { Csr } from "../../x509/csr.js";
import type { CertificateExtensions } from "../../x509/extensions.js";
import { formatName } from "../../x509/name.js";
import { toHexColons } from "./hex.js";

/** Human-readable and JSON views of certificates, CSRs and CRLs for `hutong-certs show`. */
const ekuNames: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
};

function extensionsView(e: CertificateExtensions): Record<string, unknown> {
  return {
    ...(e.basicConstraints && {
      basicConstraints: {
        ca: e.basicConstraints.ca,
        pathLen: e.basicConstraints.pathLen,
        critical: e.basicConstraints.critical,
      },
    }),
    ...(e.keyUsage && { keyUsage: [...e.keyUsage.usages] }),
    ...(e.extKeyUsage && { extKeyUsage: e.extKeyUsage.oids.map((o) => ekuNames[o] ?? o) }),
    ...(e.subjectAltName && { subjectAltName: { uris: e.subjectAltName.uris, dnsNames: e.subjectAltName.dnsNames } }),
    ...(e.subjectKeyId && { subjectKeyId: toHexColons(e.subjectKeyId) }),
    ...(e.authorityKeyId && { authorityKeyId: toHexColons(e.authorityKeyId) }),
    ...(e.unknownCritical.length > 0 && { unknownCritical: e.unknownCritical }),
  };
}

export function certificateView(c: Certificate): Record<string, unknown> {
  return {
    type: "certificate",
    serial: c.serialHex,
    subject: formatName(c.subject),
    issuer: formatName(c.issuer),
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    partyId: c.partyId ?? null,
    publicKey: Buffer.from(c.publicKey.point).toString("hex"),
    signatureAlgorithm: "SM2-with-SM3",
    extensions: extensionsView(c.extensions),
  };
}

export function csrView(c: Csr): Record<string, unknown> {
  return {
    type: "csr",
    subject: formatName(c.subject),
    partyId: c.partyId ?? null,
    publicKey: Buffer.from(c.publicKey.point).toString("hex"),
    requestedExtensions: extensionsView(c.requestedExtensions),
  };
}

export function crlView(c: Crl): Record<string, unknown> {
  return {
    type: "crl",
    issuer: formatName(c.issuer),
    thisUpdate: c.thisUpdate.toISOString(),
    nextUpdate: c.nextUpdate?.toISOString() ?? null,
    crlNumber: c.crlNumber?.toString() ?? null,
    revoked: c.entries.map((e) => ({
      serial: e.serialHex,
      date: e.revocationDate.toISOString(),
      reason: e.reason ?? "unspecified",
    })),
  };
}

/** Indented "key: value" text of a view, nested objects and arrays included. */
export function renderText(view: Record<string, unknown>, indent = ""): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(view)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length === 0) lines.push(`${indent}${k}: (none)`);
      else if (v.every((x) => typeof x !== "object")) lines.push(`${indent}${k}: ${v.join(", ")}`);
      else {
        lines.push(`${indent}${k}:`);
        for (const item of v)
          lines.push(
            `${indent}  - ${Object.entries(item as object)
              .map(([a, b]) => `${a}=${String(b)}`)
              .join(" ")}`,
          );
      }
    } else if (v !== null && typeof v === "object") {
      lines.push(`${indent}${k}:`, renderText(v as Record<string, unknown>, `${indent}  `));
    } else {
      lines.push(`${indent}${k}: ${v === null ? "-" : String(v)}`);
    }
  }
  return lines.join("\n");
}
