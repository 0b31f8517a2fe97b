import { GrantorKind, Purpose, RecordKind } from "@hutong/proto";
import { compilePartyPattern, matchesParty, type PartyPattern } from "../routing/party-pattern.js";
import { isFieldPath, normalizePaths } from "./field-paths.js";
import type { DecodedGrantBody } from "./grant-codec.js";
import { GrantsError } from "./grants-error.js";

/**
 * Purposes as policy: for every Purpose and record kind, which operations a caller may perform,
 * whether that needs a grant (and from whom), and which fields a fetch may release at most. A
 * typed table in code for now (it is law and design, reviewed like code); docs/grants.md
 * justifies every row. The service ACL still decides who may call at all: "open" below means "no
 * grant needed", never "anyone".
 */

export const shareOperations = ["verify", "fetch"] as const;
/** verify = VerifyTicket / VerifyLicence (an answer with no personal field); fetch = GetTicket / GetLicence. */
export type ShareOperation = (typeof shareOperations)[number];

export type GrantorKindName = "holder" | "authority";

export type OperationRule =
  /** The purpose never justifies this operation on this record kind. */
  | { readonly access: "denied" }
  /** Allowed without a grant (statutory duty, or an answer that carries no personal data). */
  | { readonly access: "open" }
  /** Allowed only under a grant signed by one of these kinds of grantor. */
  | { readonly access: "grant"; readonly grantors: readonly GrantorKindName[] };

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

export type KnownPurpose = Exclude<Purpose, Purpose.PURPOSE_UNSPECIFIED | Purpose.UNRECOGNIZED>;
export type KnownRecordKind = Exclude<RecordKind, RecordKind.RECORD_KIND_UNSPECIFIED | RecordKind.UNRECOGNIZED>;

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
const open: OperationRule = { access: "open" };
const holderGrant: OperationRule = { access: "grant", grantors: ["holder"] };
const authorityGrant: OperationRule = { access: "grant", grantors: ["authority"] };

const under = (root: string, ...names: string[]): string[] => names.map((n) => `${root}.${n}`);

// --- field sets -------------------------------------------------------------------------------

/** Everything on a ticket that says nothing about the passenger or the buyer. */
const ticketOperationalFields = under(
  "ticket",
  "ticket_no",
  "issuer_province",
  "route_code",
  "schedule_no",
  "depart_time",
  "board_station",
  "alight_station",
  "seat_no",
  "seat_type",
  "fare_type",
  "fare_fen",
  "service_fee_fen",
  "insurance_fen",
  "carrier_uscc",
  "carrier_name",
  "vehicle_plate",
  "sale_status",
  "check_status",
  "sale_channel",
  "orig_ticket_no",
  "sold_at",
  "checked_at",
  "status_updated_at",
);

/** JT/T 979.4 daily reconciliation: the sale as money and status, no person. */
const ticketReconciliationFields = under(
  "ticket",
  "ticket_no",
  "order_no",
  "issuer_province",
  "route_code",
  "schedule_no",
  "depart_time",
  "fare_type",
  "fare_fen",
  "service_fee_fen",
  "insurance_fen",
  "carrier_uscc",
  "sale_status",
  "check_status",
  "sale_channel",
  "orig_ticket_no",
  "invoice_no",
  "sold_at",
  "checked_at",
  "status_updated_at",
);

/** A rail or air partner issuing the next leg under real-name rules: who, which trip, which seat. */
const ticketThroughFields = under(
  "ticket",
  "ticket_no",
  "passenger.name",
  "passenger.id_type",
  "passenger.id_no",
  "route_code",
  "schedule_no",
  "depart_time",
  "board_station",
  "alight_station",
  "seat_no",
  "seat_type",
  "carrier_name",
  "sale_status",
  "check_status",
  "orig_ticket_no",
);

/** The 旅客运输服务 invoice's special elements (traveller, ID, trip, seat class) and the amounts. */
const ticketInvoicingFields = under(
  "ticket",
  "ticket_no",
  "passenger.name",
  "passenger.id_type",
  "passenger.id_no",
  "depart_time",
  "board_station",
  "alight_station",
  "seat_type",
  "fare_type",
  "fare_fen",
  "service_fee_fen",
  "insurance_fen",
  "carrier_uscc",
  "carrier_name",
  "sale_status",
  "invoice_no",
);

/** Finding and reaching a person in an emergency: identity, contact, where and on what vehicle. */
const ticketEmergencyFields = under(
  "ticket",
  "ticket_no",
  "passenger",
  "route_code",
  "schedule_no",
  "depart_time",
  "board_station",
  "alight_station",
  "seat_no",
  "carrier_uscc",
  "carrier_name",
  "vehicle_plate",
  "sale_status",
  "check_status",
  "checked_at",
);

const licenceMetadataFields = under(
  "licence",
  "licence_id",
  "kind",
  "status",
  "raw_status_code",
  "status_updated_at",
  "valid_from",
  "valid_to",
  "issue_date",
  "issuer_name",
  "issuer_code",
  "replaced_by_licence_id",
);

/**
 * Supervision and statistics: licence metadata, enterprise and vehicle data, a practitioner's
 * categories. Not licence_no: a practitioner qualification's number is usually the holder's
 * resident ID number. Not the legal representative's name, not the photo, not the OFD file.
 */
const licenceSupervisionFields = [
  ...licenceMetadataFields,
  ...under("licence.operating_permit", "holder_name", "holder_uscc", "address", "economic_type_code", "business_scope"),
  "licence.transport_certificate",
  ...under("licence.practitioner_qualification", "categories", "raw_category_codes", "first_issue_date"),
];

/** A relying party using a licence the holder presents: all of it but the photo (biometric). */
const licenceUseFields = [
  ...licenceMetadataFields,
  "licence.licence_no",
  "licence.ofd_file",
  "licence.operating_permit",
  "licence.transport_certificate",
  ...under(
    "licence.practitioner_qualification",
    "name",
    "sex",
    "id_type",
    "id_no",
    "categories",
    "raw_category_codes",
    "first_issue_date",
    "credit_assessment",
  ),
];

/** Identifying a driver, an operator or a vehicle in an emergency. */
const licenceEmergencyFields = [
  ...under("licence", "licence_id", "licence_no", "kind", "status", "valid_to", "issuer_name"),
  "licence.operating_permit",
  ...under("licence.transport_certificate", "owner_name", "owner_uscc", "plate_no", "plate_colour"),
  ...under("licence.practitioner_qualification", "name", "id_type", "id_no", "categories"),
];

/** An invoice as money and parties, without the traveller, the individual buyer or the clerk. */
const invoiceReconciliationFields = under(
  "invoice",
  "invoice_no",
  "issued_at",
  "kind",
  "special_element_type",
  "blue",
  "reversed_invoice_no",
  "seller_tax_id",
  "seller_name",
  "seller_taxpayer_type",
  "total_amount",
  "total_tax",
  "total_with_tax",
  "lines",
  "ticket_no",
);

// --- the table --------------------------------------------------------------------------------

/** The policy, one row per purpose. Record<KnownPurpose, …>: a new Purpose does not build without a row. */
export const purposePolicyTable: Readonly<Record<KnownPurpose, PurposeRow>> = {
  [Purpose.PURPOSE_BOARDING_CHECK]: {
    legalBasis: "PIPL Art. 13(2) contract of carriage; real-name ticketing duty",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: open, fetch: denied, fields: [] },
    },
    authorityGrantors: [],
  },
  [Purpose.PURPOSE_TICKET_SERVICE]: {
    legalBasis: "PIPL Art. 13(1) consent of the passenger (holder grant)",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: holderGrant, fetch: holderGrant, fields: ["ticket"] },
    },
    authorityGrantors: [],
    holderCaps: { maxValidityDays: 180, maxUses: 20 },
  },
  [Purpose.PURPOSE_THROUGH_TICKET]: {
    legalBasis: "PIPL Art. 23 separate consent to provide to another handler (holder grant)",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: holderGrant, fetch: holderGrant, fields: ticketThroughFields },
    },
    authorityGrantors: [],
    holderCaps: { maxValidityDays: 90, maxUses: 10 },
  },
  [Purpose.PURPOSE_INVOICING]: {
    legalBasis: "PIPL Art. 13(1) consent (holder grant) to fetch; verify carries no personal data",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: open, fetch: holderGrant, fields: ticketInvoicingFields },
      [RecordKind.RECORD_KIND_E_INVOICE]: { verify: open, fetch: holderGrant, fields: ["invoice"] },
    },
    authorityGrantors: [],
    holderCaps: { maxValidityDays: 180, maxUses: 10 },
  },
  [Purpose.PURPOSE_LAW_ENFORCEMENT]: {
    legalBasis: "PIPL Art. 13(3) statutory duty: verify only",
    records: {
      [RecordKind.RECORD_KIND_LICENCE]: { verify: open, fetch: denied, fields: [] },
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: open, fetch: denied, fields: [] },
    },
    authorityGrantors: [],
  },
  [Purpose.PURPOSE_REGULATORY_SUPERVISION]: {
    legalBasis: "PIPL Art. 13(3) statutory duty: non-personal fields only",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: open, fetch: open, fields: ticketOperationalFields },
      [RecordKind.RECORD_KIND_LICENCE]: { verify: open, fetch: open, fields: licenceSupervisionFields },
    },
    authorityGrantors: [],
  },
  [Purpose.PURPOSE_RECONCILIATION]: {
    legalBasis: "PIPL Art. 13(3) statutory duty (JT/T 979.4): non-personal fields only",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: { verify: denied, fetch: open, fields: ticketReconciliationFields },
      [RecordKind.RECORD_KIND_E_INVOICE]: { verify: denied, fetch: open, fields: invoiceReconciliationFields },
    },
    authorityGrantors: [],
  },
  [Purpose.PURPOSE_LICENCE_USE]: {
    legalBasis: "PIPL Art. 13(1) consent of the holder (holder grant)",
    records: {
      [RecordKind.RECORD_KIND_LICENCE]: { verify: holderGrant, fetch: holderGrant, fields: licenceUseFields },
    },
    authorityGrantors: [],
    holderCaps: { maxValidityDays: 90, maxUses: 10 },
  },
  [Purpose.PURPOSE_EMERGENCY]: {
    legalBasis: "PIPL Art. 13(4) emergency, time-boxed by an authority grant",
    records: {
      [RecordKind.RECORD_KIND_E_TICKET]: {
        verify: authorityGrant,
        fetch: authorityGrant,
        fields: ticketEmergencyFields,
      },
      [RecordKind.RECORD_KIND_LICENCE]: {
        verify: authorityGrant,
        fetch: authorityGrant,
        fields: licenceEmergencyFields,
      },
    },
    authorityGrantors: ["mot", "mot/*", "prov:*"],
    authorityCaps: { maxValidityDays: 3, maxUses: 0 },
  },
};

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
