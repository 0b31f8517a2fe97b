// The enums an AuditEntry carries, by number, names without their prefixes, as in
// proto/hutong/v1/audit.proto and common.proto. The API (AuditEntryView) shows the same names.

export const auditRoles: Readonly<Record<number, "owner" | "relay">> = { 1: "owner", 2: "relay" };

export const auditDecisions: Readonly<Record<number, "allow" | "deny">> = { 1: "allow", 2: "deny" };

export const purposes: Readonly<Record<number, string>> = {
  0: "UNSPECIFIED",
  1: "BOARDING_CHECK",
  2: "TICKET_SERVICE",
  3: "THROUGH_TICKET",
  4: "INVOICING",
  5: "LAW_ENFORCEMENT",
  6: "REGULATORY_SUPERVISION",
  7: "RECONCILIATION",
  8: "LICENCE_USE",
  9: "EMERGENCY",
};

/** The purposes a caller may name (the audit search's select). */
export const purposeNames: readonly string[] = Object.entries(purposes)
  .filter(([n]) => n !== "0")
  .map(([, name]) => name);

export const recordKinds: Readonly<Record<number, string>> = {
  0: "UNSPECIFIED",
  1: "E_TICKET",
  2: "LICENCE",
  3: "E_INVOICE",
};
