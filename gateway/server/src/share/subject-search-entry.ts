import { AuditServiceService, GrantServiceService, type Purpose, RecordKind } from "@hutong/proto";
import type { AuditEntryInput } from "../store/port/audit-store.js";
import { auditEntryInput } from "./audit-entry.js";
import type { AuditedCall } from "./audited-call.js";

/**
 * The searches by subject a gateway records, by their reason: its audit log by subject
 * (QueryEntries), and the grants naming a subject (ListGrants by subject_digest).
 */
export type SubjectSearch = "audit-query" | "grant-query";

const searchMethods: Readonly<Record<SubjectSearch, string>> = {
  "audit-query": AuditServiceService.queryEntries.path.slice(1),
  "grant-query": GrantServiceService.listGrants.path.slice(1),
};

/**
 * The audit entry of a search by subject (docs/audit-log.md): asking whose data went where, or
 * whom a person granted what, is itself an access to that person's trail, so the log keeps it
 * like a share, and the subject sees it in their own search. Owner: this gateway (the log and the
 * grants are its records); purpose: the one the ACL decided the call on (REGULATORY_SUPERVISION
 * for audit reads, the request context's for grants); `releasedSm3`: the SM3 of the exact response
 * bytes answered, or null for a search refused (decision deny, nothing released). Only the keyed
 * digest searched, never an ID number.
 */
export function subjectSearchEntry(
  self: string,
  call: AuditedCall,
  searched: {
    readonly kind: SubjectSearch;
    readonly purpose: Purpose;
    readonly subjectDigest: Uint8Array;
    readonly releasedSm3: Uint8Array | null;
  },
  timeMs: number,
): AuditEntryInput {
  return auditEntryInput({
    timeMs,
    gatewayParty: self,
    role: "owner",
    method: searchMethods[searched.kind],
    requesterParty: call.origin,
    peerParty: call.peerParty,
    peerCertSerial: call.peerCertSerial,
    ownerParty: self,
    recordKind: RecordKind.RECORD_KIND_UNSPECIFIED,
    recordDigest: null,
    subjectDigest: searched.subjectDigest,
    grantId: null,
    purpose: searched.purpose,
    decision: searched.releasedSm3 === null ? "deny" : "allow",
    reason: searched.kind,
    hops: call.hops,
    releasedSm3: searched.releasedSm3,
    fieldsReleased: [],
    traceId: call.traceId,
    correlationId: call.correlationId,
  });
}
