import { readFile } from "node:fs/promises";
import {
  type Certificate,
  decodeSm2PrivateKeyPem,
  isCertsError,
  parseCertificatePem,
  type Sm2PrivateKey,
} from "@hutong/certs";
import { IdType, Purpose, RecordKind, RevocationReason } from "@hutong/proto";
import { UsageError } from "../support/usage-error.js";

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** A signer's key and certificate chain (PEM, leaf first), as a grantor or revoker signs with them. */
export interface Signer {
  readonly key: Sm2PrivateKey;
  readonly chain: readonly Certificate[];
}

export async function readSigner(o: {
  signerKey: string;
  signerChain: string;
  signerPassphraseEnv?: string;
}): Promise<Signer> {
  const keyPem = await readText(o.signerKey, "--signer-key");
  const chainPem = await readText(o.signerChain, "--signer-chain");
  try {
    const passphrase = o.signerPassphraseEnv === undefined ? undefined : (process.env[o.signerPassphraseEnv] ?? "");
    const key = decodeSm2PrivateKeyPem(keyPem, passphrase);
    const chain = parseCertificatePem(chainPem);
    if (chain.length === 0) throw new UsageError(`--signer-chain ${o.signerChain} holds no certificate`);
    return { key, chain };
  } catch (e) {
    if (isCertsError(e)) throw new UsageError(`signer credentials: ${e.message}`);
    throw e;
  }
}

/** An enum value by its short or full name ("LICENCE_USE", "PURPOSE_LICENCE_USE") or number; never its zero value. */
function enumValue(
  e: Record<string, number | string>,
  prefix: string,
  text: string,
  flag: string,
  example: string,
): number {
  const upper = text.toUpperCase().replace(/-/g, "_");
  const byName = e[upper.startsWith(prefix) ? upper : `${prefix}${upper}`];
  const value = /^[0-9]+$/.test(text) ? Number(text) : byName;
  if (typeof value !== "number" || value <= 0 || typeof e[value] !== "string") {
    throw new UsageError(`${flag} ${text} is not known (e.g. ${example})`);
  }
  return value;
}

export const purposeOf = (text: string, flag = "--purpose"): Purpose =>
  enumValue(Purpose as unknown as Record<string, number | string>, "PURPOSE_", text, flag, "LICENCE_USE") as Purpose;

export const recordKindOf = (text: string): RecordKind =>
  enumValue(
    RecordKind as unknown as Record<string, number | string>,
    "RECORD_KIND_",
    text,
    "--record-kind",
    "LICENCE, E_TICKET, E_INVOICE",
  ) as RecordKind;

export const idTypeOf = (text: string): IdType =>
  enumValue(
    IdType as unknown as Record<string, number | string>,
    "ID_TYPE_",
    text,
    "--subject-id-type",
    "RESIDENT_ID_CARD or 201",
  ) as IdType;

export const revocationReasonOf = (text: string): RevocationReason =>
  enumValue(
    RevocationReason as unknown as Record<string, number | string>,
    "REVOCATION_REASON_",
    text,
    "--reason",
    "withdrawn, relinquished, superseded, key-compromise, ordered",
  ) as RevocationReason;

/** An ISO 8601 time, millisecond precision (what a grant carries). */
export function timeOf(text: string, flag: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
    throw new UsageError(`${flag}: "${text}" is not an ISO 8601 time`);
  }
  return d;
}

export function countOf(text: string, flag: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) > 0xffff_ffff) {
    throw new UsageError(`${flag} must be a non-negative integer`);
  }
  return Number(text);
}

/**
 * A value that must stay out of argv (visible in `ps` and shell history): "-" for stdin, or
 * "@file". The value is never printed or put in a message.
 */
export async function secretValue(arg: string, flag: string): Promise<string> {
  if (arg === "-") {
    let s = "";
    for await (const c of process.stdin) s += typeof c === "string" ? c : (c as Buffer).toString("utf8");
    return s;
  }
  if (arg.startsWith("@")) return readText(arg.slice(1), `${flag} file`);
  throw new UsageError(
    `${flag} takes - (stdin) or @file, never the number itself (it would show in ps and shell history)`,
  );
}

/** The federation subject key file (64 hex digits), as the gateways read it. */
export async function subjectKeyOf(path: string): Promise<Uint8Array> {
  const hex = (await readText(path, "--subject-key-file")).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`--subject-key-file ${path} must hold 64 hex digits`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}
