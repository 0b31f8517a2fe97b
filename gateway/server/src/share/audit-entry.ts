import { AuditDecision, AuditEntry, AuditRole, type Purpose, type RecordKind } from "@hutong/proto";
import type { AuditEntryInput } from "../store/index.js";

/** Everything one audit entry records (architecture.md §5). No personal data: only keyed digests. */
export interface AuditFacts {
  readonly timeMs: number;
  readonly gatewayParty: string;
  readonly role: "owner" | "relay";
  readonly method: string;
  readonly requesterParty: string;
  readonly peerParty: string;
  readonly peerCertSerial: string;
  readonly ownerParty: string;
  readonly recordKind: RecordKind;
  readonly recordDigest: Uint8Array | null;
  readonly subjectDigest: Uint8Array | null;
  readonly grantId: string | null;
  readonly purpose: Purpose;
  readonly decision: "allow" | "deny";
  /** "allowed", "relayed", a grant denial reason or a pipeline refusal code. */
  readonly reason: string;
  readonly hops: readonly string[];
  readonly releasedSm3: Uint8Array | null;
  readonly fieldsReleased: readonly string[];
  readonly traceId: string;
  readonly correlationId: string;
}

export const auditEntryVersion = 1;

/** The entry's exact bytes (what the Merkle tree hashes) plus the columns the store indexes. */
export function auditEntryInput(f: AuditFacts): AuditEntryInput {
  const bytes = AuditEntry.encode({
    version: auditEntryVersion,
    time: new Date(f.timeMs),
    gatewayParty: f.gatewayParty,
    role: f.role === "owner" ? AuditRole.AUDIT_ROLE_OWNER : AuditRole.AUDIT_ROLE_RELAY,
    method: f.method,
    requesterParty: f.requesterParty,
    peerParty: f.peerParty,
    peerCertSerial: f.peerCertSerial,
    ownerParty: f.ownerParty,
    recordKind: f.recordKind,
    recordDigest: Buffer.from(f.recordDigest ?? []),
    subjectDigest: Buffer.from(f.subjectDigest ?? []),
    grantId: f.grantId ?? "",
    purpose: f.purpose,
    decision: f.decision === "allow" ? AuditDecision.AUDIT_DECISION_ALLOW : AuditDecision.AUDIT_DECISION_DENY,
    reason: f.reason,
    hops: [...f.hops],
    releasedSm3: Buffer.from(f.releasedSm3 ?? []),
    fieldsReleased: [...f.fieldsReleased],
    traceId: f.traceId,
    correlationId: f.correlationId,
  }).finish();
  return {
    bytes,
    timeMs: f.timeMs,
    requesterParty: f.requesterParty,
    ownerParty: f.ownerParty,
    subjectDigest: f.subjectDigest,
    grantId: f.grantId,
    decision: f.decision,
    reason: f.reason,
    correlationId: f.correlationId,
    traceId: f.traceId,
  };
}
