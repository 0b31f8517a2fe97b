import {
  type AccessRule,
  GrantorKind,
  type PolicyGrantorKind,
  type PolicyPurpose,
  type PolicyRecordKind,
  Purpose,
  purposePolicy,
  type RecordKind,
} from "@hutong/proto";
import { compilePartyPattern, matchesParty, type PartyPattern } from "../routing/party-pattern.js";
import { isFieldPath, normalizePaths } from "./field-paths.js";
import type { DecodedGrantBody } from "./grant-codec.js";
import { GrantsError } from "./grants-error.js";

/**
 * Purposes as policy: for every Purpose and record kind, which operations a caller may perform,
 * whether that needs a grant (and from whom), and which fields a fetch may release at most. The
 * table is the contract's: each Purpose value carries its row ((hutong.v1.policy) in
 * proto/hutong/v1/common.proto, the views it names on the record messages), checked and expanded
 * at generation time into @hutong/proto's purposePolicy. docs/grants.md justifies every row. The
 * service ACL still decides who may call at all: "open" below means "no grant needed", never
 * "anyone".
 */

export const shareOperations = ["verify", "fetch"] as const;
/** verify = an answer with no personal field; fetch = the record itself, minimized. */
export type ShareOperation = (typeof shareOperations)[number];

export type GrantorKindName = PolicyGrantorKind;

/**
 * denied: the purpose never justifies this operation on this record kind; open: allowed without a
 * grant (statutory duty, or an answer that carries no personal data); grant: allowed only under a
 * grant signed by one of these kinds of grantor.
 */
export type OperationRule = AccessRule;

export interface RecordRule {
  readonly verify: OperationRule;
  readonly fetch: OperationRule;
  /** The most a fetch may release (field paths rooted at the record); a grant can only narrow it. */
  readonly fields: readonly string[];
}

/** Fair-use caps on the grants of a purpose (after Sahamati's per-purpose consent rules). */
export interface GrantCaps {
  /** Longest allowed window from not_before to expires_at. */
  readonly maxValidityDays: number;
  /** Highest allowed use_limit; 0 = no cap (use_limit 0, unlimited, is then allowed too). */
  readonly maxUses: number;
}

export type KnownPurpose = PolicyPurpose;
export type KnownRecordKind = PolicyRecordKind;

export interface PurposeRow {
  /** The PIPL basis the row rests on, for the docs and the audit log. */
  readonly legalBasis: string;
  /** Record kinds the purpose applies to; a kind left out is denied for every operation. */
  readonly records: Partial<Readonly<Record<KnownRecordKind, RecordRule>>>;
  /** Party patterns (routing syntax: "mot", "prov:*") that may sign AUTHORITY grants for it. */
  readonly authorityGrantors: readonly string[];
  readonly holderCaps?: GrantCaps;
  readonly authorityCaps?: GrantCaps;
}

export interface PurposePolicy extends Omit<PurposeRow, "authorityGrantors"> {
  readonly purpose: KnownPurpose;
  readonly authorityGrantors: readonly PartyPattern[];
}

export interface AuthorityPolicy {
  readonly purposes: ReadonlyMap<number, PurposePolicy>;
  /** Parties that may revoke any grant, besides its grantor and grantee. */
  readonly revocationAuthorities: readonly PartyPattern[];
}

const denied: OperationRule = { access: "denied" };

/** The policy, one row per purpose, as generated from the contract. Record<KnownPurpose, …>: every Purpose has a row. */
export const purposePolicyTable: Readonly<Record<KnownPurpose, PurposeRow>> = purposePolicy;

/** The ministry (any of its systems) may order any grant withdrawn: abuse, complaint. */
export const defaultRevocationAuthorities: readonly string[] = ["mot", "mot/*"];

function policyError(message: string): never {
  throw new GrantsError("invalid-argument", `authority policy: ${message}`);
}

function checkCaps(caps: GrantCaps | undefined, what: string): void {
  if (caps === undefined) return;
  if (!Number.isSafeInteger(caps.maxValidityDays) || caps.maxValidityDays < 1) policyError(`${what} maxValidityDays`);
  if (!Number.isSafeInteger(caps.maxUses) || caps.maxUses < 0) policyError(`${what} maxUses`);
}

function compilePatterns(patterns: readonly string[], what: string): PartyPattern[] {
  return patterns.map((p) => {
    try {
      return compilePartyPattern(p);
    } catch (cause) {
      throw new GrantsError("invalid-argument", `authority policy: ${what} pattern ${JSON.stringify(p)}`, { cause });
    }
  });
}

/**
 * Checks and compiles a table: field paths rooted at their record kind, grant rules naming at
 * least one grantor kind, authority grantors exactly where some rule accepts authority grants.
 */
export function createAuthorityPolicy(
  table: Readonly<Record<KnownPurpose, PurposeRow>>,
  revocationAuthorities: readonly string[] = defaultRevocationAuthorities,
): AuthorityPolicy {
  const purposes = new Map<number, PurposePolicy>();
  for (const [key, row] of Object.entries(table) as [string, PurposeRow][]) {
    const purpose = Number(key) as KnownPurpose;
    if (!(purpose > 0) || typeof Purpose[purpose] !== "string") policyError(`unknown purpose ${key}`);
    const name = Purpose[purpose];
    let acceptsAuthority = false;
    for (const [kindKey, rule] of Object.entries(row.records) as [string, RecordRule][]) {
      const kind = Number(kindKey) as RecordKind;
      for (const op of shareOperations) {
        const r = rule[op];
        if (r.access === "grant") {
          if (r.grantors.length === 0) policyError(`${name} ${op} needs a grant from nobody`);
          if (r.grantors.includes("authority")) acceptsAuthority = true;
        }
      }
      const bad = rule.fields.find((p) => !isFieldPath(p, kind));
      if (bad !== undefined) policyError(`${name}: ${JSON.stringify(bad)} is not a field path of record kind ${kind}`);
      if (rule.fetch.access === "denied" && rule.fields.length > 0) policyError(`${name}: fields for a denied fetch`);
      if (rule.fetch.access !== "denied" && rule.fields.length === 0) policyError(`${name}: a fetch releasing nothing`);
    }
    if (acceptsAuthority !== row.authorityGrantors.length > 0) {
      policyError(`${name}: authority grantors must be listed exactly when some rule accepts authority grants`);
    }
    checkCaps(row.holderCaps, `${name} holderCaps`);
    checkCaps(row.authorityCaps, `${name} authorityCaps`);
    const records = Object.fromEntries(
      Object.entries(row.records).map(([k, rule]) => [k, { ...rule, fields: normalizePaths(rule.fields) }]),
    ) as PurposeRow["records"];
    purposes.set(purpose, {
      ...row,
      purpose,
      records,
      authorityGrantors: compilePatterns(row.authorityGrantors, `${name} authority grantor`),
    });
  }
  return {
    purposes,
    revocationAuthorities: compilePatterns(revocationAuthorities, "revocation authority"),
  };
}

export const defaultAuthorityPolicy: AuthorityPolicy = createAuthorityPolicy(purposePolicyTable);

// --- lookups used by verification and evaluation ------------------------------------------------

/** The rule for one purpose, record kind and operation; "denied" for anything unknown. */
export function operationRule(
  policy: AuthorityPolicy,
  purpose: number,
  kind: number,
  operation: ShareOperation,
): OperationRule {
  const rule = policy.purposes.get(purpose)?.records[kind as KnownRecordKind];
  return rule === undefined ? denied : rule[operation];
}

/** The most a fetch may release for this purpose and record kind. */
export function policyFields(policy: AuthorityPolicy, purpose: number, kind: number): readonly string[] {
  return policy.purposes.get(purpose)?.records[kind as KnownRecordKind]?.fields ?? [];
}

export function grantorKindName(kind: GrantorKind): GrantorKindName | undefined {
  if (kind === GrantorKind.GRANTOR_KIND_HOLDER) return "holder";
  if (kind === GrantorKind.GRANTOR_KIND_AUTHORITY) return "authority";
  return undefined;
}

export function isRevocationAuthority(policy: AuthorityPolicy, party: string): boolean {
  return party !== "" && policy.revocationAuthorities.some((p) => matchesParty(p, party));
}

const dayMs = 86_400_000;

/**
 * Whether the policy accepts a grant body at all: some operation on its record kind under its
 * purpose takes a grant from its kind of grantor, an authority grantor's party is listed for the
 * purpose, and the grant stays within the purpose's caps. Null when accepted.
 */
export function grantPolicyViolation(
  policy: AuthorityPolicy,
  body: DecodedGrantBody,
): "grantor-not-allowed" | "exceeds-policy" | null {
  const row = policy.purposes.get(body.purpose);
  const rule = row?.records[body.recordKind as KnownRecordKind];
  const kind = grantorKindName(body.grantorKind);
  if (row === undefined || rule === undefined || kind === undefined) return "grantor-not-allowed";
  const takesKind = shareOperations.some((op) => {
    const r = rule[op];
    return r.access === "grant" && r.grantors.includes(kind);
  });
  if (!takesKind) return "grantor-not-allowed";
  if (kind === "authority" && !row.authorityGrantors.some((p) => matchesParty(p, body.grantorParty))) {
    return "grantor-not-allowed";
  }
  const caps = kind === "holder" ? row.holderCaps : row.authorityCaps;
  if (caps !== undefined) {
    if (body.expiresAt.getTime() - body.notBefore.getTime() > caps.maxValidityDays * dayMs) return "exceeds-policy";
    if (caps.maxUses > 0 && (body.useLimit === 0 || body.useLimit > caps.maxUses)) return "exceeds-policy";
  }
  return null;
}
