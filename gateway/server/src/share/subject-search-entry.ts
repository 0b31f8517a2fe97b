import { AuditServiceService, Purpose, RecordKind } from "@hutong/proto";
import type { AuditEntryInput } from "../store/port/audit-store.js";
import { auditEntryInput } from "./audit-entry.js";

/** Who searched, as the session and the relay facts show it. */
export interface AuditQueryCall {
  /** The calling system's party (the origin of a relayed call): what the ACL decided on. */
  readonly requester: string;
  /** The immediate peer and the serial of the certificate its session was made with. */
  readonly peerParty: string;
  readonly peerCertSerial: string;
  readonly hops: readonly string[];
  readonly traceId: string;
  /** The caller's QueryEntriesRequest.correlation_id (already checked). */
  readonly correlationId: string;
}

/**
 * The audit entry of a search of this gateway's log by subject (docs/audit-log.md): asking whose
 * data went where is itself an access to a person's trail, so the log keeps it like a share, and
 * the subject sees it in their own search. Owner: this gateway (the log is its record); purpose:
 * REGULATORY_SUPERVISION, the purpose the ACL decides audit reads on; `releasedSm3`: the SM3 of
 * the exact QueryEntriesResponse bytes answered. Only the keyed digest searched, never an ID number.
 */
export function auditQueryEntry(
  self: string,
  call: AuditQueryCall,
  searched: { readonly subjectDigest: Uint8Array; readonly releasedSm3: Uint8Array },
  timeMs: number,
): AuditEntryInput {
  return auditEntryInput({
    timeMs,
    gatewayParty: self,
    role: "owner",
    method: AuditServiceService.queryEntries.path.slice(1),
    requesterParty: call.requester,
    peerParty: call.peerParty,
    peerCertSerial: call.peerCertSerial,
    ownerParty: self,
    recordKind: RecordKind.RECORD_KIND_UNSPECIFIED,
    recordDigest: null,
    subjectDigest: searched.subjectDigest,
    grantId: null,
    purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
    decision: "allow",
    reason: "audit-query",
    hops: call.hops,
    releasedSm3: searched.releasedSm3,
    fieldsReleased: [],
    traceId: call.traceId,
    correlationId: call.correlationId,
  });
}
