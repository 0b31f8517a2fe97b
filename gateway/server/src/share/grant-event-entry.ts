import { GrantServiceService, type Purpose, RecordKind } from "@hutong/proto";
import type { DecodedGrantBody } from "../grants/grant-codec.js";
import type { AuditEntryInput } from "../store/index.js";
import { auditEntryInput } from "./audit-entry.js";
import type { AuditedCall } from "./audited-call.js";

/**
 * What a gateway did with a grant artefact, as its audit log records it (docs/audit-log.md):
 * registered it, revoked it, passed on a revocation of a grant it does not hold, or refused a
 * registration because the grant was already revoked.
 */
export type GrantEvent = "registered" | "revoked" | "revocation-relayed" | "registration-refused-revoked";

const eventFacts = {
  registered: { method: GrantServiceService.registerGrant.path, decision: "allow", reason: "grant-registered" },
  revoked: { method: GrantServiceService.revokeGrant.path, decision: "allow", reason: "grant-revoked" },
  "revocation-relayed": {
    method: GrantServiceService.revokeGrant.path,
    decision: "allow",
    reason: "grant-revocation-relayed",
  },
  "registration-refused-revoked": {
    method: GrantServiceService.registerGrant.path,
    decision: "deny",
    reason: "grant-revoked",
  },
} as const;

/**
 * The audit entry of a grant event. It carries what the entry format already has and nothing
 * personal: the grant id, the parties, the subject's keyed digest, kind and purpose (from the body
 * when this gateway holds the grant; a relayed revocation knows only its id and the request's
 * purpose). No record is released, so released_sm3 and fields_released stay empty.
 */
export function grantEventEntry(
  event: GrantEvent,
  self: string,
  call: AuditedCall,
  grant: { readonly id: string; readonly body?: DecodedGrantBody; readonly purpose: Purpose },
  timeMs: number,
): AuditEntryInput {
  const facts = eventFacts[event];
  const body = grant.body;
  return auditEntryInput({
    timeMs,
    gatewayParty: self,
    role: event === "revocation-relayed" ? "relay" : "owner",
    method: facts.method.slice(1),
    requesterParty: call.origin,
    peerParty: call.peerParty,
    peerCertSerial: call.peerCertSerial,
    // An authority grant may name no owner: then every owner counts its own uses, this one included.
    ownerParty: body === undefined || body.ownerParty === "" ? self : body.ownerParty,
    recordKind: body?.recordKind ?? RecordKind.RECORD_KIND_UNSPECIFIED,
    recordDigest: null,
    subjectDigest: body?.subjectDigest ?? null,
    grantId: grant.id,
    purpose: body?.purpose ?? grant.purpose,
    decision: facts.decision,
    reason: facts.reason,
    hops: call.hops,
    releasedSm3: null,
    fieldsReleased: [],
    traceId: call.traceId,
    correlationId: call.correlationId,
  });
}
