import { readFile } from "node:fs/promises";
import {
  type Certificate,
  type Crl,
  decodeSm2PrivateKeyPem,
  parseCertificatePem,
  parseCrlPem,
  type Sm2PrivateKey,
} from "@hutong/certs";
import type { TrustStore } from "@hutong/session";
import { ClientError } from "./client-error.js";

/** Where a party's certificate material lives on disk (all PEM). */
export interface CredentialFiles {
  /** This party's chain, leaf first. */
  readonly chain: string;
  readonly key: string;
  readonly passphrase?: string;
  readonly anchors: readonly string[];
  readonly intermediates?: readonly string[];
  readonly crls?: readonly string[];
}

export interface Credentials {
  readonly partyId: string;
  readonly privateKey: Sm2PrivateKey;
  readonly chain: readonly Uint8Array[];
  readonly leaf: Certificate;
  readonly trust: TrustStore;
  readonly crls: readonly Crl[];
}

async function certificatesIn(paths: readonly string[]): Promise<Certificate[]> {
  const lists = await Promise.all(paths.map(async (p) => parseCertificatePem(await readFile(p, "utf8"))));
  return lists.flat();
}

export async function readCrlFiles(paths: readonly string[]): Promise<Crl[]> {
  const lists = await Promise.all(paths.map(async (p) => parseCrlPem(await readFile(p, "utf8"))));
  return lists.flat();
}

/**
 * Loads a party's key, chain, trust anchors and CRLs. The party id is read off
 * the leaf certificate, so a configuration cannot claim a party its
 * certificate does not carry.
 */
export async function loadCredentialFiles(files: CredentialFiles): Promise<Credentials> {
  const [chain, privateKey, trustAnchors, intermediates, crls] = await Promise.all([
    certificatesIn([files.chain]),
    readFile(files.key, "utf8").then((pem) => decodeSm2PrivateKeyPem(pem, files.passphrase)),
    certificatesIn(files.anchors),
    certificatesIn(files.intermediates ?? []),
    readCrlFiles(files.crls ?? []),
  ]);
  const leaf = chain[0];
  if (leaf === undefined) throw new ClientError("invalid-credentials", `${files.chain}: no certificate`);
  if (leaf.partyId === undefined)
    throw new ClientError("invalid-credentials", `${files.chain}: the leaf certificate carries no hutong party id`);
  if (Buffer.compare(Buffer.from(leaf.publicKey.point), Buffer.from(privateKey.publicKey.point)) !== 0) {
    throw new ClientError("invalid-credentials", `${files.key} is not the key of the certificate in ${files.chain}`);
  }
  return {
    partyId: leaf.partyId,
    privateKey,
    chain: chain.map((c) => c.der),
    leaf,
    trust: { trustAnchors, intermediates },
    crls,
  };
}
