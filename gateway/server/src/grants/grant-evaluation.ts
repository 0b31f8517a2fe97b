import { constantTimeEqual } from "@hutong/certs";
import { GrantorKind, GrantStatus, type Purpose, type RecordKind } from "@hutong/proto";
import {
  type AuthorityPolicy,
  defaultAuthorityPolicy,
  grantorKindName,
  grantPolicyViolation,
  operationRule,
  policyFields,
  type ShareOperation,
} from "./authority-policy.js";
import { meetPaths } from "./field-paths.js";
import type { VerifiedGrant } from "./grant-signature.js";
import type { GrantsErrorCode } from "./grants-error.js";
import { partyCovers } from "./party-scope.js";

/**
 * Why a share is refused: a closed set, in the order evaluateShare checks them (the first that
 * applies is reported). docs/grants.md describes each.
 */
export const shareDenialReasons = [
  /** The purpose is unspecified or has no row in the policy. */
  "unknown-purpose",
  /** The purpose never allows this operation on this record kind (e.g. a law-enforcement fetch). */
  "operation-not-allowed",
  /** The operation needs a grant and the call names none. */
  "grant-required",
  /** The named grant is not registered here (or has no valid status). */
  "grant-not-found",
  /** The grant's signature, signer chain or signer binding failed, or its bytes are malformed. */
  "grant-forged",
  /** The caller is not the grantee (nor one of the grantee member's systems). */
  "wrong-grantee",
  /** The grant is for another purpose. */
  "wrong-purpose",
  /** The grant is for another kind of record. */
  "wrong-record-kind",
  /** This operation does not take a grant from this kind of grantor, or this authority. */
  "grantor-not-allowed",
  /** The grant is wider than the purpose's caps (validity window, use limit). */
  "grant-exceeds-policy",
  /** The grant is for records of another owner. */
  "wrong-owner",
  /** now < not_before. */
  "grant-not-yet-valid",
  /** now ≥ expires_at, or the status says EXPIRED. */
  "grant-expired",
  "grant-revoked",
  /** Status USED_UP, or uses ≥ use_limit. */
  "grant-used-up",
  /** Final check without the record's id or subject digest: the grant cannot be matched to it. */
  "record-unknown",
  /** The record is not one the grant names. */
  "wrong-record",
  /** The record's subject is not the grant's. */
  "wrong-subject",
  /** A fetch whose release set (requested ∩ policy ∩ grant) is empty. */
  "fields-not-allowed",
] as const;

export type ShareDenialReason = (typeof shareDenialReasons)[number];

/**
 * pre-check: before forwarding, on what the request says (the record id when the lookup key is
 * the canonical id, no subject). final: on the record the backend returned (its canonical id
 * and subject digest); only a final decision consumes a use.
 */
export type SharePhase = "pre-check" | "final";

/** The mutable part of a grant, as the store holds it. */
export interface GrantState {
  readonly status: GrantStatus;
  readonly uses: number;
}

/** The grant a call names, after the pipeline looked it up and verified it. */
export type PresentedGrant =
  | { readonly outcome: "verified"; readonly grant: Pick<VerifiedGrant, "id" | "body">; readonly state: GrantState }
  | { readonly outcome: "not-found"; readonly id: string }
  /** verifySignedGrant threw; `code` is the GrantsError code. */
  | { readonly outcome: "refused"; readonly id: string; readonly code: GrantsErrorCode };

export interface ShareRequest {
  readonly phase: SharePhase;
  readonly operation: ShareOperation;
  readonly recordKind: RecordKind;
  readonly purpose: Purpose;
  /** The calling system's party: the call's origin, not the last hop. */
  readonly callerParty: string;
  /** The record owner's party: context.target_party at the owner's gateway. */
  readonly ownerParty: string;
  /** The record's canonical id (ticket_no, licence_id, invoice_no); null while unknown. */
  readonly recordId: string | null;
  /** The record's subject digest; null while unknown (always in the pre-check). */
  readonly subjectDigest: Uint8Array | null;
  /** Null when the call names no grant. */
  readonly grant: PresentedGrant | null;
  /** Field paths asked for; the bare record label asks for the whole record. Ignored for verify. */
  readonly fieldsRequested: readonly string[];
  readonly now: Date;
}

export type ShareDecision =
  | {
      readonly allow: true;
      /** The grant the share rests on; null when the operation needs none (a grant named anyway is not used). */
      readonly grantId: string | null;
      /** What a fetch may release (normalized field paths); empty for verify. */
      readonly fields: readonly string[];
      /** The pipeline must count a use (store.consumeUse) before releasing anything. */
      readonly consumesUse: boolean;
    }
  | { readonly allow: false; readonly reason: ShareDenialReason };

const deny = (reason: ShareDenialReason): ShareDecision => Object.freeze({ allow: false, reason });

function allow(grantId: string | null, fields: readonly string[], consumesUse: boolean): ShareDecision {
  return Object.freeze({ allow: true, grantId, fields: Object.freeze([...fields]), consumesUse });
}

function refusalReason(code: GrantsErrorCode): ShareDenialReason {
  if (code === "grantor-not-allowed") return "grantor-not-allowed";
  if (code === "exceeds-policy") return "grant-exceeds-policy";
  return "grant-forged";
}

/**
 * Decides one share. Pure: no clock, no store, no I/O. Policy first (purpose, operation); an
 * operation that needs no grant is decided there. Otherwise the grant must be present and
 * genuine, name this caller, purpose, record kind and owner, accept this grantor for this
 * operation, be within its window (not_before ≤ now < expires_at), active and not used up, and
 * match the record and its subject. A fetch releases requested ∩ policy fields ∩ grant fields.
 */
export function evaluateShare(input: ShareRequest, policy: AuthorityPolicy = defaultAuthorityPolicy): ShareDecision {
  if (!policy.purposes.has(input.purpose)) return deny("unknown-purpose");
  const rule = operationRule(policy, input.purpose, input.recordKind, input.operation);
  if (rule.access === "denied") return deny("operation-not-allowed");
  const fetch = input.operation === "fetch";
  const bound = policyFields(policy, input.purpose, input.recordKind);
  if (rule.access === "open") {
    const fields = fetch ? meetPaths(input.fieldsRequested, bound) : [];
    if (fetch && fields.length === 0) return deny("fields-not-allowed");
    return allow(null, fields, false);
  }

  const presented = input.grant;
  if (presented === null) return deny("grant-required");
  if (presented.outcome === "not-found") return deny("grant-not-found");
  if (presented.outcome === "refused") return deny(refusalReason(presented.code));
  const { id, body } = presented.grant;
  const { status, uses } = presented.state;

  if (!partyCovers(body.granteeParty, input.callerParty)) return deny("wrong-grantee");
  if (body.purpose !== input.purpose) return deny("wrong-purpose");
  if (body.recordKind !== input.recordKind) return deny("wrong-record-kind");
  const kind = grantorKindName(body.grantorKind);
  if (kind === undefined || !rule.grantors.includes(kind)) return deny("grantor-not-allowed");
  const violation = grantPolicyViolation(policy, body);
  if (violation === "grantor-not-allowed") return deny("grantor-not-allowed");
  if (violation === "exceeds-policy") return deny("grant-exceeds-policy");
  const anyOwner = body.grantorKind === GrantorKind.GRANTOR_KIND_AUTHORITY && body.ownerParty === "";
  if (!anyOwner && !partyCovers(body.ownerParty, input.ownerParty)) return deny("wrong-owner");

  const now = input.now.getTime();
  if (now < body.notBefore.getTime()) return deny("grant-not-yet-valid");
  if (now >= body.expiresAt.getTime() || status === GrantStatus.GRANT_STATUS_EXPIRED) return deny("grant-expired");
  if (status === GrantStatus.GRANT_STATUS_REVOKED) return deny("grant-revoked");
  if (status === GrantStatus.GRANT_STATUS_USED_UP || (body.useLimit > 0 && uses >= body.useLimit)) {
    return deny("grant-used-up");
  }
  // A store that hands back no known status has not registered the grant properly: fail closed.
  if (status !== GrantStatus.GRANT_STATUS_ACTIVE) return deny("grant-not-found");

  if (input.phase === "final" && (input.recordId === null || input.subjectDigest === null)) {
    return deny("record-unknown");
  }
  if (input.recordId !== null && body.recordIds.length > 0 && !body.recordIds.includes(input.recordId)) {
    return deny("wrong-record");
  }
  if (input.subjectDigest !== null && !constantTimeEqual(input.subjectDigest, body.subjectDigest)) {
    return deny("wrong-subject");
  }
  const fields = fetch ? meetPaths(input.fieldsRequested, bound, body.fieldsAllowed) : [];
  if (fetch && fields.length === 0) return deny("fields-not-allowed");
  return allow(id, fields, input.phase === "final");
}
