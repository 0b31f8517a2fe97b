import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Certificate,
  certificateToPem,
  createCertificate,
  createCrl,
  crlToPem,
  decodeSm2PrivateKeyPem,
  encodeSm2PrivateKeyPem,
  generateSm2PrivateKey,
  parseCertificatePem,
  type Sm2PrivateKey,
} from "@hutong/certs";

/**
 * A development PKI on disk: a federation root, one intermediate CA, and
 * certificates for the parties asked for (gateways get serverAuth+clientAuth,
 * systems clientAuth), with CRLs re-signed on every open so they never go
 * stale, and ticket keys. For `npm start`, the demo, the benchmark and tests;
 * its private keys are development material, written 0600 under a git-ignored
 * data directory.
 */
export interface DevPartySpec {
  readonly id: string;
  /** gateway: serverAuth + clientAuth; system: clientAuth; server-only: serverAuth (a wrong-EKU client in tests). */
  readonly role: "gateway" | "system" | "server-only";
}

export interface PartyFiles {
  readonly chain: string;
  readonly key: string;
}

export interface DevPki {
  readonly dir: string;
  readonly rootCert: string;
  readonly crls: readonly string[];
  party(id: string): PartyFiles;
  /** Revokes a party's certificate and re-publishes the CA's CRL file. */
  revoke(id: string, at?: Date): Promise<void>;
  /** A 32-byte ticket key file (64 hex digits), created once. */
  ticketKeyFile(name: string): Promise<string>;
  /** The federation's subject key (64 hex digits), shared by every gateway of the dev federation. */
  subjectKeyFile(): Promise<string>;
  /** The holder app's CA (its own trust anchor, apart from the federation's: docs/grants.md). */
  readonly holderCaCert: string;
  /** A holder certificate for the subject with this digest (SAN urn:hutong:subject:<hex>), in memory. */
  holder(subjectDigest: Uint8Array): { readonly privateKey: Sm2PrivateKey; readonly chain: readonly Uint8Array[] };
}

const day = 86_400_000;

interface Authority {
  readonly cert: Certificate;
  readonly key: Sm2PrivateKey;
  readonly dir: string;
}

async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}

async function loadAuthority(dir: string): Promise<Authority> {
  const [certPem, keyPem] = await Promise.all([
    readFile(join(dir, "ca.pem"), "utf8"),
    readFile(join(dir, "key.pem"), "utf8"),
  ]);
  const cert = parseCertificatePem(certPem)[0];
  if (cert === undefined) throw new Error(`${dir}/ca.pem holds no certificate`);
  return { cert, key: decodeSm2PrivateKeyPem(keyPem), dir };
}

async function makeAuthority(dir: string, name: string, now: number, issuer?: Authority): Promise<Authority> {
  await mkdir(dir, { recursive: true });
  const key = generateSm2PrivateKey();
  const cert = createCertificate({
    subject: { commonName: name, organization: "hutong development" },
    publicKey: key.publicKey,
    ...(issuer === undefined ? { selfSignKey: key } : { issuer: { certificate: issuer.cert, privateKey: issuer.key } }),
    ca: issuer === undefined ? {} : { pathLen: 0 },
    notBefore: new Date(now - day),
    notAfter: new Date(now + 3650 * day),
  });
  await writeFile(join(dir, "ca.pem"), certificateToPem(cert));
  await writePrivate(join(dir, "key.pem"), encodeSm2PrivateKeyPem(key));
  return { cert, key, dir };
}

interface RevokedList {
  [serialHex: string]: string;
}

async function publishCrl(ca: Authority, now: number): Promise<string> {
  const revokedPath = join(ca.dir, "revoked.json");
  const revoked: RevokedList = existsSync(revokedPath) ? JSON.parse(await readFile(revokedPath, "utf8")) : {};
  const crl = createCrl({
    issuer: ca.cert,
    issuerKey: ca.key,
    // Backdated an hour so a peer whose clock lags a little still sees a current CRL.
    thisUpdate: new Date(now - 3_600_000),
    nextUpdate: new Date(now + 7 * day),
    crlNumber: BigInt(now),
    entries: Object.entries(revoked).map(([serialHex, at]) => ({ serialHex, revocationDate: new Date(at) })),
  });
  const path = join(ca.dir, "crl.pem");
  await writeFile(path, crlToPem(crl));
  return path;
}

function partyDirName(id: string): string {
  return id.replace(/[:/]/g, "_");
}

/** Opens the PKI in `dir`, creating what is missing (root, CA, party certificates), and re-signs both CRLs. */
export async function openDevPki(
  dir: string,
  parties: readonly DevPartySpec[],
  options: { readonly now?: number } = {},
): Promise<DevPki> {
  const now = options.now ?? Date.now();
  const rootDir = join(dir, "root");
  const caDir = join(dir, "ca");
  const root = existsSync(join(rootDir, "ca.pem"))
    ? await loadAuthority(rootDir)
    : await makeAuthority(rootDir, "hutong development root", now);
  const ca = existsSync(join(caDir, "ca.pem"))
    ? await loadAuthority(caDir)
    : await makeAuthority(caDir, "hutong development CA", now, root);
  const holderDir = join(dir, "holder-ca");
  const holderCa = existsSync(join(holderDir, "ca.pem"))
    ? await loadAuthority(holderDir)
    : await makeAuthority(holderDir, "hutong development holder app CA", now);
  const crls = [await publishCrl(root, now), await publishCrl(ca, now), await publishCrl(holderCa, now)];

  const files = new Map<string, PartyFiles>();
  for (const p of parties) {
    const pdir = join(dir, "parties", partyDirName(p.id));
    const chain = join(pdir, "chain.pem");
    const keyPath = join(pdir, "key.pem");
    if (!existsSync(chain)) {
      await mkdir(pdir, { recursive: true });
      const key = generateSm2PrivateKey();
      const cert = createCertificate({
        subject: { commonName: p.id, organization: "hutong development" },
        publicKey: key.publicKey,
        issuer: { certificate: ca.cert, privateKey: ca.key },
        partyId: p.id,
        extKeyUsage:
          p.role === "gateway" ? ["serverAuth", "clientAuth"] : p.role === "system" ? ["clientAuth"] : ["serverAuth"],
        notBefore: new Date(now - day),
        notAfter: new Date(now + 365 * day),
      });
      await writeFile(chain, certificateToPem(cert) + certificateToPem(ca.cert));
      await writePrivate(keyPath, encodeSm2PrivateKeyPem(key));
    }
    files.set(p.id, { chain, key: keyPath });
  }

  const party = (id: string): PartyFiles => {
    const f = files.get(id);
    if (f === undefined) throw new Error(`the dev PKI has no party ${id}`);
    return f;
  };
  return {
    dir,
    rootCert: join(rootDir, "ca.pem"),
    crls,
    party,
    async revoke(id, at = new Date(Date.now() - 1000)) {
      const leaf = parseCertificatePem(await readFile(party(id).chain, "utf8"))[0];
      if (leaf === undefined) throw new Error(`no certificate for ${id}`);
      const revokedPath = join(ca.dir, "revoked.json");
      const revoked: RevokedList = existsSync(revokedPath) ? JSON.parse(await readFile(revokedPath, "utf8")) : {};
      revoked[leaf.serialHex] = at.toISOString();
      await writeFile(revokedPath, JSON.stringify(revoked, null, 2));
      await publishCrl(ca, Date.now());
    },
    async ticketKeyFile(name) {
      const path = join(dir, "ticket-keys", `${name}.hex`);
      if (!existsSync(path)) {
        await mkdir(join(dir, "ticket-keys"), { recursive: true });
        await writePrivate(path, `${randomBytes(32).toString("hex")}\n`);
      }
      return path;
    },
    holderCaCert: join(holderDir, "ca.pem"),
    holder(subjectDigest) {
      const privateKey = generateSm2PrivateKey();
      const cert = createCertificate({
        subject: { commonName: "holder", organization: "hutong development wallet" },
        publicKey: privateKey.publicKey,
        issuer: { certificate: holderCa.cert, privateKey: holderCa.key },
        uris: [`urn:hutong:subject:${Buffer.from(subjectDigest).toString("hex")}`],
        notBefore: new Date(now - day),
        notAfter: new Date(now + 365 * day),
      });
      return { privateKey, chain: [cert.der] };
    },
    async subjectKeyFile() {
      const path = join(dir, "subject-key.hex");
      if (!existsSync(path)) await writePrivate(path, `${randomBytes(32).toString("hex")}\n`);
      return path;
    },
  };
}
