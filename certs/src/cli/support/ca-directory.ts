import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Sm2PrivateKey } from "../../crypto/sm2-key.js";
import { decodeSm2PrivateKeyPem, encodeSm2PrivateKeyPem } from "../../crypto/sm2-key-codec.js";
import { type Certificate, certificateToPem, parseCertificatePem } from "../../x509/certificate.js";
import type { RevocationReason } from "../../x509/crl.js";
import { CliError } from "./cli-error.js";
import { readText, writeAtomic, writeSecret } from "./files.js";

/**
 * A CA on disk:
 *   ca.pem     the CA certificate
 *   ca.key     its private key (PKCS#8 PEM, mode 0600, optionally encrypted)
 *   chain.pem  the CA certificate followed by its issuers up to (excluding) the root
 *   db.json    what the CA issued and revoked, the next CRL number, and its kind
 *
 * A CA is a federation CA (party certificates: `issue`) or a holder CA (holder certificates of
 * persons and enterprises: `issue-holder`, `issue-enterprise`; docs/grants.md §2). The two are
 * kept apart on purpose: holder certificates chain to the gateway's holder anchors only, party
 * certificates to the federation's, so neither kind of CA can mint the other's certificates.
 */
export type CaKind = "federation" | "holder";
export interface IssuedRecord {
  readonly serialHex: string;
  readonly subject: string;
  readonly partyId?: string;
  readonly notAfter: string;
  readonly issuedAt: string;
}

export interface RevokedRecord {
  readonly serialHex: string;
  readonly revocationDate: string;
  readonly reason: RevocationReason;
}

export interface CaDatabase {
  readonly issued: IssuedRecord[];
  readonly revoked: RevokedRecord[];
  crlNumber: number;
  /** Absent in CA directories written before holder CAs existed: a federation CA. */
  readonly kind?: CaKind;
}

export interface CaDirectory {
  readonly dir: string;
  readonly cert: Certificate;
  /** The CA's certificate then its issuers (not the root when the CA is an intermediate). */
  readonly chain: readonly Certificate[];
  readonly key: Sm2PrivateKey;
  readonly db: CaDatabase;
  readonly kind: CaKind;
  saveDb(): void;
}

const files = (dir: string) => ({
  cert: join(dir, "ca.pem"),
  key: join(dir, "ca.key"),
  chain: join(dir, "chain.pem"),
  db: join(dir, "db.json"),
});

export function openCaDirectory(dir: string, passphrase: string | undefined): CaDirectory {
  const f = files(dir);
  if (!existsSync(f.cert) || !existsSync(f.key))
    throw new CliError(`${dir} is not a CA directory (needs ca.pem and ca.key)`);
  const [cert] = parseCertificatePem(readText(f.cert));
  if (cert === undefined) throw new CliError(`${f.cert} holds no certificate`);
  const key = decodeSm2PrivateKeyPem(readText(f.key), passphrase);
  if (!Buffer.from(key.publicKey.point).equals(Buffer.from(cert.publicKey.point))) {
    throw new CliError(`${f.key} does not belong to ${f.cert}`);
  }
  const chain = existsSync(f.chain) ? parseCertificatePem(readText(f.chain)) : [cert];
  const db = existsSync(f.db) ? (JSON.parse(readText(f.db)) as CaDatabase) : { issued: [], revoked: [], crlNumber: 1 };
  return {
    dir,
    cert,
    chain,
    key,
    db,
    kind: db.kind ?? "federation",
    saveDb: () => writeAtomic(f.db, `${JSON.stringify(db, null, 2)}\n`),
  };
}

/** Refuses a CA of the other kind, saying how to make the right one. */
export function requireCaKind(ca: CaDirectory, kind: CaKind): void {
  if (ca.kind === kind) return;
  throw new CliError(
    kind === "holder"
      ? `${ca.dir} is not a holder CA: holder certificates come from a CA made with \`init-ca --holder\``
      : `${ca.dir} is a holder CA: it issues holder certificates only (issue-holder, issue-enterprise)`,
  );
}

/** Writes a new CA directory; refuses to replace an existing CA key. */
export function createCaDirectory(
  dir: string,
  cert: Certificate,
  key: Sm2PrivateKey,
  issuerChain: readonly Certificate[],
  passphrase: string | undefined,
  kind: CaKind = "federation",
): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = files(dir);
  writeSecret(f.key, encodeSm2PrivateKeyPem(key, passphrase));
  writeAtomic(f.cert, certificateToPem(cert));
  writeAtomic(f.chain, [cert, ...issuerChain].map(certificateToPem).join(""));
  const db: CaDatabase = { issued: [], revoked: [], crlNumber: 1, ...(kind === "holder" ? { kind } : {}) };
  writeAtomic(f.db, `${JSON.stringify(db, null, 2)}\n`);
}

/** The chain a CA hands out with what it issues: itself and its issuers, without a self-signed root. */
export function distributableChain(ca: CaDirectory): Certificate[] {
  return ca.chain.filter((c) => !Buffer.from(c.subjectDer).equals(Buffer.from(c.issuerDer)));
}
