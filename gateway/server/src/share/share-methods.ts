import { RecordKind } from "@hutong/proto";
import type { ShareOperation } from "../grants/index.js";

/**
 * What each exchange method does with a record, for the share step. "verify" answers valid /
 * matches without personal fields, "fetch" releases the record (minimized), "deliver" sends the
 * caller's own data to the owner (an invoice to the tax service): no grant is needed for it, but it
 * is decided by the ACL and audited like any share.
 */
export interface ShareMethod {
  readonly recordKind: RecordKind;
  readonly operation: ShareOperation | "deliver";
  /** The response field holding the released record, for projection (fetch only). */
  readonly recordField?: "ticket" | "licence";
}

const methods: ReadonlyMap<string, ShareMethod> = new Map<string, ShareMethod>([
  [
    "hutong.v1.TicketService/GetTicket",
    { recordKind: RecordKind.RECORD_KIND_E_TICKET, operation: "fetch", recordField: "ticket" },
  ],
  ["hutong.v1.TicketService/VerifyTicket", { recordKind: RecordKind.RECORD_KIND_E_TICKET, operation: "verify" }],
  [
    "hutong.v1.LicenceService/GetLicence",
    { recordKind: RecordKind.RECORD_KIND_LICENCE, operation: "fetch", recordField: "licence" },
  ],
  ["hutong.v1.LicenceService/VerifyLicence", { recordKind: RecordKind.RECORD_KIND_LICENCE, operation: "verify" }],
  ["hutong.v1.InvoiceService/IssueInvoice", { recordKind: RecordKind.RECORD_KIND_E_INVOICE, operation: "deliver" }],
  ["hutong.v1.InvoiceService/ReverseInvoice", { recordKind: RecordKind.RECORD_KIND_E_INVOICE, operation: "deliver" }],
  // Grant administration routed to the owner's gateway: artefacts, not records; decided by the ACL there.
  ...["RegisterGrant", "RevokeGrant", "GetGrant", "ListGrants"].map((m): [string, ShareMethod] => [
    `hutong.v1.GrantService/${m}`,
    { recordKind: RecordKind.RECORD_KIND_UNSPECIFIED, operation: "deliver" },
  ]),
]);

/** The share semantics of an exchange method ("hutong.v1.TicketService/GetTicket"), or undefined. */
export function shareMethod(method: string): ShareMethod | undefined {
  return methods.get(method);
}
