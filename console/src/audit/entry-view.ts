import { AuditDecision, AuditEntry, AuditRole, Purpose, RecordKind } from "@hutong/proto";
import type { AuditEntryView } from "../api/api-types.js";

// An audit entry as the page shows it, decoded from the exact stored bytes the gateway served;
// the page re-decodes the bytes it verified and compares (console/web/src/verify/).

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** An enum value's name without its prefix; a value this build does not know is "UNRECOGNIZED". */
function enumName(names: Record<number, string>, value: number, prefix: string): string {
  const name = names[value];
  return name?.startsWith(prefix) ? name.slice(prefix.length) : "UNRECOGNIZED";
}

const roles: Record<number, AuditEntryView["role"]> = {
  [AuditRole.AUDIT_ROLE_OWNER]: "owner",
  [AuditRole.AUDIT_ROLE_RELAY]: "relay",
};
const decisions: Record<number, AuditEntryView["decision"]> = {
  [AuditDecision.AUDIT_DECISION_ALLOW]: "allow",
  [AuditDecision.AUDIT_DECISION_DENY]: "deny",
};

export const purposeName = (p: Purpose) => enumName(Purpose as unknown as Record<number, string>, p, "PURPOSE_");

export function decodeEntryView(gateway: string, index: number, bytes: Uint8Array): AuditEntryView {
  const e = AuditEntry.decode(bytes);
  return {
    gateway,
    index,
    entryB64: Buffer.from(bytes).toString("base64"),
    time: (e.time ?? new Date(0)).toISOString(),
    role: roles[e.role] ?? "unspecified",
    method: e.method,
    requesterParty: e.requesterParty,
    peerParty: e.peerParty,
    ownerParty: e.ownerParty,
    recordKind: enumName(RecordKind as unknown as Record<number, string>, e.recordKind, "RECORD_KIND_"),
    recordDigestHex: hex(e.recordDigest),
    subjectDigestHex: hex(e.subjectDigest),
    grantId: e.grantId,
    purpose: purposeName(e.purpose),
    decision: decisions[e.decision] ?? "unspecified",
    reason: e.reason,
    hops: [...e.hops],
    releasedSm3Hex: hex(e.releasedSm3),
    fieldsReleased: [...e.fieldsReleased],
    traceId: e.traceId,
    correlationId: e.correlationId,
  };
}

/** The purpose enum value for a name without prefix ("BOARDING_CHECK"), or undefined. */
export function purposeOf(name: string): Purpose | undefined {
  const value = (Purpose as unknown as Record<string, number>)[`PURPOSE_${name}`];
  return typeof value === "number" && value !== 0 ? (value as Purpose) : undefined;
}
