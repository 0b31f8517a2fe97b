import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { generateSm2PrivateKey, type Sm2PublicKey } from "../../crypto/sm2-key.js";
import { encodeSm2PrivateKeyPem } from "../../crypto/sm2-key-codec.js";
import { isCertsError } from "../../error.js";
import { certificateToPem, createCertificate } from "../../x509/certificate.js";
import { parseCsrPem, verifyCsrSignature } from "../../x509/csr.js";
import {
  keyedSubjectDigest,
  normalizeSubjectId,
  subjectUriFor,
  unifiedSocialCreditCodeIdType,
  unifiedSocialCreditCodePattern,
} from "../../x509/holder-subject.js";
import { distributableChain, openCaDirectory, requireCaKind } from "../support/ca-directory.js";
import { CliError } from "../support/cli-error.js";
import { readText, writeAtomic, writeSecret } from "../support/files.js";
import { backdated, daysFromNow, earlier, emit, parseDays } from "../support/output.js";
import { caKeyPassphrase, newKeyPassphrase } from "../support/passphrase.js";

// Holder certificates (docs/grants.md §2): an SM2 end-entity certificate whose SAN holds exactly
// one URI, urn:hutong:subject:<hex of the keyed subject digest>, and no party id, issued by a
// holder CA after the enrolling app has checked the person's identity document or the
// enterprise's business licence. The ID number is digested here and written nowhere: not in the
// certificate, not in the CA's records, not in the output; it is never taken from the command
// line either (visible in `ps` and shell history), only from a file, stdin or the environment.

interface HolderFlags {
  ca: string;
  subjectKey: string;
  out: string;
  csr?: string;
  days: number;
  caPassphraseFile?: string;
  passphraseFile?: string;
  passphraseEnv?: string;
}

/** The federation subject key: 64 hex digits, as the gateway reads it (grants.subjectKeyFile). */
function readSubjectKey(file: string): Uint8Array {
  const hex = readText(file).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new CliError(`the subject key (${file}) must be 64 hex digits`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** A person's ID number from a file ("-": stdin) or an environment variable; errors never repeat it. */
function readIdNumber(o: { idNoFile?: string; idNoEnv?: string }): string {
  if ((o.idNoFile === undefined) === (o.idNoEnv === undefined)) {
    throw new CliError("give the ID number with exactly one of --id-no-file <file> (- for stdin) or --id-no-env <var>");
  }
  if (o.idNoEnv !== undefined) {
    const value = process.env[o.idNoEnv];
    if (value === undefined || value.trim() === "") throw new CliError(`$${o.idNoEnv} is unset or empty`);
    return value;
  }
  if (o.idNoFile === "-") {
    try {
      return readFileSync(0, "utf8");
    } catch (cause) {
      throw new CliError(`cannot read the ID number from stdin: ${(cause as NodeJS.ErrnoException).code ?? cause}`);
    }
  }
  return readText(o.idNoFile ?? "");
}

/** The digest of (id type, id number) under the subject key, with a usage error that does not repeat the number. */
function digestOf(key: Uint8Array, idType: number, idNo: string): Uint8Array {
  try {
    return keyedSubjectDigest(key, idType, idNo);
  } catch (e) {
    if (isCertsError(e)) throw new CliError(e.message);
    throw e;
  }
}

/** Issues the holder certificate for `digest` into o.out; what the command prints. */
function issueHolder(cmd: Command, o: HolderFlags, digest: Uint8Array, what: string, idType: number): void {
  const ca = openCaDirectory(o.ca, caKeyPassphrase(o));
  requireCaKind(ca, "holder");
  let publicKey: Sm2PublicKey;
  let keyPem: string | undefined;
  if (o.csr !== undefined) {
    const [csr] = parseCsrPem(readText(o.csr));
    if (csr === undefined) throw new CliError(`${o.csr} holds no CERTIFICATE REQUEST`);
    if (!verifyCsrSignature(csr)) throw new CliError(`${o.csr}: the request's self-signature does not verify`);
    if (csr.partyId !== undefined) {
      throw new CliError(`${o.csr} asks for party ${csr.partyId}; a holder certificate names no party`);
    }
    publicKey = csr.publicKey;
  } else {
    const key = generateSm2PrivateKey();
    publicKey = key.publicKey;
    keyPem = encodeSm2PrivateKeyPem(key, newKeyPassphrase(o));
  }
  const uri = subjectUriFor(digest);
  const now = new Date();
  const cert = createCertificate({
    // Nothing about the holder in the name: the subject is the SAN URI's digest.
    subject: { commonName: "holder", organization: "hutong holder", country: "CN" },
    publicKey,
    issuer: { certificate: ca.cert, privateKey: ca.key },
    notBefore: backdated(now),
    notAfter: earlier(daysFromNow(now, o.days), ca.cert.notAfter),
    keyUsage: ["digitalSignature"],
    uris: [uri],
  });
  mkdirSync(o.out, { recursive: true });
  if (keyPem !== undefined) writeSecret(join(o.out, "key.pem"), keyPem);
  writeAtomic(join(o.out, "cert.pem"), certificateToPem(cert));
  // The grant's signer_chain: the leaf and any holder intermediates, not the anchor.
  writeAtomic(join(o.out, "chain.pem"), [cert, ...distributableChain(ca)].map(certificateToPem).join(""));
  ca.db.issued.push({
    serialHex: cert.serialHex,
    subject: uri,
    notAfter: cert.notAfter.toISOString(),
    issuedAt: now.toISOString(),
  });
  ca.saveDb();
  emit(
    cmd,
    {
      out: o.out,
      serial: cert.serialHex,
      holder: what,
      idType,
      subjectUri: uri,
      notAfter: cert.notAfter.toISOString(),
      key: keyPem !== undefined,
    },
    `issued a holder certificate for ${what === "enterprise" ? "an enterprise" : "a person"} (serial ${cert.serialHex}, ${uri}) into ${o.out}`,
  );
}

function holderOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--ca <dir>", "the holder CA's directory (made with init-ca --holder)")
    .requiredOption(
      "--subject-key <file>",
      "the federation subject key (64 hex digits), the gateways' grants.subjectKeyFile",
    )
    .requiredOption("--out <dir>", "output directory: cert.pem, key.pem (unless --csr), chain.pem")
    .option("--csr <file>", "certify the key in this PKCS#10 request (from the holder's app) instead of generating one")
    .option("--days <n>", "validity in days (a grant should not outlive its signer's certificate)", parseDays, 365)
    .option("--ca-passphrase-file <file>", "passphrase of the CA key (else $HUTONG_CA_PASSPHRASE)")
    .option("--passphrase-file <file>", "encrypt key.pem with the passphrase in this file")
    .option("--passphrase-env <var>", "encrypt key.pem with the passphrase in this variable");
}

function parseIdType(value: string): number {
  const n = Number(value);
  // The contract's person id types are the tax authority's 3-digit codes (hutong.v1.IdType).
  if (!/^[1-9][0-9]{2}$/.test(value) || !Number.isInteger(n)) {
    throw new Error(
      `an id type is a person's 3-digit hutong.v1.IdType code, e.g. 201 (resident ID card), not "${value}"`,
    );
  }
  return n;
}

export function registerIssueHolder(program: Command): void {
  holderOptions(
    program
      .command("issue-holder")
      .description(
        "issue a person's holder certificate (SAN urn:hutong:subject:<keyed digest of id type and number>); the ID number is read from a file, stdin or the environment and written nowhere",
      )
      .option(
        "--id-type <code>",
        "the identity document's hutong.v1.IdType code (201 resident ID card, 227 PRC passport, ...)",
        parseIdType,
        201,
      )
      .option("--id-no-file <file>", "file holding the ID number (- for stdin)")
      .option("--id-no-env <var>", "environment variable holding the ID number"),
  ).action(function (this: Command) {
    const o = this.opts<HolderFlags & { idType: number; idNoFile?: string; idNoEnv?: string }>();
    const key = readSubjectKey(o.subjectKey);
    const digest = digestOf(key, o.idType, readIdNumber(o));
    issueHolder(this, o, digest, "person", o.idType);
  });
}

export function registerIssueEnterprise(program: Command): void {
  holderOptions(
    program
      .command("issue-enterprise")
      .description(
        "issue an enterprise's holder certificate from its unified social credit code (GB 32100): it grants access to its permits and vehicle certificates as a person does",
      )
      .requiredOption("--uscc <code>", "the enterprise's unified social credit code (18 characters)"),
  ).action(function (this: Command) {
    const o = this.opts<HolderFlags & { uscc: string }>();
    let code: string;
    try {
      code = normalizeSubjectId(o.uscc);
    } catch {
      throw new CliError("--uscc: not a unified social credit code");
    }
    if (!unifiedSocialCreditCodePattern.test(code)) {
      throw new CliError(`--uscc: ${code} does not match the GB 32100 unified social credit code pattern`);
    }
    const key = readSubjectKey(o.subjectKey);
    const digest = digestOf(key, unifiedSocialCreditCodeIdType, code);
    issueHolder(this, o, digest, "enterprise", unifiedSocialCreditCodeIdType);
  });
}
