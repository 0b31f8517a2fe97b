import { readFile, writeFile } from "node:fs/promises";
import { checkGrantSignature, isGrantsError, type SelfCheckedGrant } from "@hutong/gateway";
import {
  GrantorKind,
  type GrantRecord,
  GrantStatus,
  Purpose,
  RecordKind,
  RevocationReason,
  type SignedGrant,
} from "@hutong/proto";
import { UsageError } from "../support/usage-error.js";

/**
 * A signed grant as a file (`hutong grant sign` writes it, `register` and `show` read it): JSON
 * holding the exact signed body bytes, the signature and the signer chain in base64, and the grant
 * id for people to read. The bytes are authoritative: the id is derived from them again on reading,
 * and a file whose id, body, signature or chain was changed is refused (docs/grants.md §3).
 */
export interface GrantFile {
  readonly format: typeof grantFileFormat;
  readonly grantId: string;
  readonly body: string;
  readonly signature: string;
  readonly signerChain: readonly string[];
}

export const grantFileFormat = "hutong-grant/v1";

/** A grant file that is not one, or does not hold together: exit 1 with the reason. */
export class GrantFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GrantFileError";
  }
}

export function grantFileOf(signed: SignedGrant, grantId: string): GrantFile {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
  return {
    format: grantFileFormat,
    grantId,
    body: b64(signed.body),
    signature: b64(signed.signature),
    signerChain: signed.signerChain.map(b64),
  };
}

export async function writeGrantFile(path: string, file: GrantFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytesOf(value: unknown, what: string): Buffer {
  if (typeof value !== "string" || value === "" || !base64.test(value)) {
    throw new GrantFileError(`${what} is not base64`);
  }
  return Buffer.from(value, "base64");
}

/** The signed grant in a file, checked to hold together (checkGrantSignature) and to carry its own id. */
export async function readGrantFile(path: string): Promise<{ signed: SignedGrant; checked: SelfCheckedGrant }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GrantFileError(`${path} is not a grant file (not JSON)`);
  }
  const f = json as Partial<Record<keyof GrantFile, unknown>>;
  if (typeof json !== "object" || json === null || f.format !== grantFileFormat) {
    throw new GrantFileError(`${path} is not a grant file (format is not "${grantFileFormat}")`);
  }
  const extra = Object.keys(json).filter((k) => !["format", "grantId", "body", "signature", "signerChain"].includes(k));
  if (extra.length > 0) throw new GrantFileError(`${path} has unknown fields: ${extra.join(", ")}`);
  if (!Array.isArray(f.signerChain)) throw new GrantFileError(`${path}: signerChain is not a list`);
  const signed: SignedGrant = {
    body: bytesOf(f.body, `${path}: body`),
    signature: bytesOf(f.signature, `${path}: signature`),
    signerChain: f.signerChain.map((c, i) => bytesOf(c, `${path}: signerChain[${i}]`)),
  };
  const checked = checkedGrant(signed, path);
  if (f.grantId !== checked.id) {
    throw new GrantFileError(
      `${path} was changed: it says grant ${String(f.grantId)}, but its body is grant ${checked.id}`,
    );
  }
  return { signed, checked };
}

/** checkGrantSignature, its refusal as a GrantFileError naming where the grant came from. */
export function checkedGrant(signed: SignedGrant, where: string): SelfCheckedGrant {
  try {
    return checkGrantSignature(signed);
  } catch (e) {
    if (isGrantsError(e)) {
      throw new GrantFileError(`${where}: the grant does not hold together (${e.code}): ${e.message}`);
    }
    throw e;
  }
}

const name = (e: Record<number, string>, value: number, prefix: string): string =>
  (e[value] ?? String(value)).replace(prefix, "");
const iso = (d: Date | undefined): string | undefined =>
  d === undefined || Number.isNaN(d.getTime()) ? undefined : d.toISOString();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * A grant as JSON for people and scripts. It holds what the grant holds: a subject digest, never
 * an ID number (grants carry none).
 */
export function grantJson(checked: SelfCheckedGrant): Record<string, unknown> {
  const b = checked.body;
  const [leaf] = checked.chain;
  return {
    grantId: checked.id,
    grantorKind: name(GrantorKind, b.grantorKind, "GRANTOR_KIND_"),
    ...(b.grantorParty === "" ? {} : { grantorParty: b.grantorParty }),
    granteeParty: b.granteeParty,
    ownerParty: b.ownerParty,
    subjectDigest: hex(b.subjectDigest),
    recordKind: name(RecordKind, b.recordKind, "RECORD_KIND_"),
    recordIds: [...b.recordIds],
    purpose: name(Purpose, b.purpose, "PURPOSE_"),
    notBefore: b.notBefore.toISOString(),
    expiresAt: b.expiresAt.toISOString(),
    useLimit: b.useLimit,
    fieldsAllowed: [...b.fieldsAllowed],
    issuedAt: b.issuedAt.toISOString(),
    nonce: hex(b.nonce),
    signer: {
      ...(checked.identity.kind === "holder"
        ? { kind: "holder", subjectDigest: hex(checked.identity.subjectDigest) }
        : { kind: "party", partyId: checked.identity.partyId }),
      serial: leaf?.serialHex,
      notAfter: iso(leaf?.notAfter),
      chainLength: checked.chain.length,
    },
  };
}

/** A registered grant's state as its owner's gateway keeps it. */
export function recordJson(record: GrantRecord): Record<string, unknown> {
  return {
    status: name(GrantStatus, record.status, "GRANT_STATUS_"),
    uses: record.uses,
    ...(record.registeredAt === undefined ? {} : { registeredAt: iso(record.registeredAt) }),
    ...(record.lastUsedAt === undefined ? {} : { lastUsedAt: iso(record.lastUsedAt) }),
    ...(record.revokedAt === undefined ? {} : { revokedAt: iso(record.revokedAt) }),
    ...(record.revokedReason === RevocationReason.REVOCATION_REASON_UNSPECIFIED
      ? {}
      : { revokedReason: name(RevocationReason, record.revokedReason, "REVOCATION_REASON_") }),
  };
}
